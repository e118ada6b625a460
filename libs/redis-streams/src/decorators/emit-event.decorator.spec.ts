import { Observable, of, throwError } from 'rxjs';
import { EmitEvent } from './emit-event.decorator';
import { EventEmitterClient, registerEmitter, unregisterEmitter } from './emitter-registry';

class FakeEmitter implements EventEmitterClient {
  readonly emitted: Array<[string, unknown]> = [];
  fail = false;
  emit<TResult = unknown, TInput = unknown>(pattern: string, data: TInput): Observable<TResult> {
    if (this.fail) {
      return throwError(() => new Error('OOM'));
    }
    this.emitted.push([pattern, data]);
    return of('1-0' as TResult);
  }
}

class Service {
  @EmitEvent('thing.done', { client: 'unit' })
  async run(fail: boolean): Promise<{ ok: boolean }> {
    await Promise.resolve();
    if (fail) {
      throw new Error('nope');
    }
    return { ok: true };
  }
}

describe('@EmitEvent', () => {
  const emitter = new FakeEmitter();
  beforeAll(() => registerEmitter('unit', emitter));
  afterAll(() => unregisterEmitter('unit', emitter));

  it('emits the resolved result and returns it', async () => {
    await expect(new Service().run(false)).resolves.toEqual({ ok: true });
    expect(emitter.emitted).toEqual([['thing.done', { ok: true }]]);
  });

  it('emits nothing when the method throws', async () => {
    emitter.emitted.length = 0;
    await expect(new Service().run(true)).rejects.toThrow('nope');
    expect(emitter.emitted).toEqual([]);
  });

  it('rejects when the emit fails', async () => {
    emitter.fail = true;
    await expect(new Service().run(false)).rejects.toThrow('OOM');
    emitter.fail = false;
  });

  it('keeps the method name', () => {
    expect(Service.prototype.run.name).toBe('run');
  });
});
