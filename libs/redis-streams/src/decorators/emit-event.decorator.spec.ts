import { Controller, Injectable, Module, Post, Scope, Type } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { Test } from '@nestjs/testing';
import { Observable, of, throwError } from 'rxjs';
import { ClientRedisStreams } from '../client/client-redis-streams';
import { RedisStreamsModule, getRedisStreamsClientToken } from '../module/redis-streams.module';
import { EventEmitterClient } from './emit-event-binding';
import { EmitEvent } from './emit-event.decorator';

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

@Controller('things')
class ThingController {
  calls = 0;

  @Post()
  @EmitEvent('thing.done')
  async run(fail = false): Promise<{ ok: boolean }> {
    this.calls += 1;
    await Promise.resolve();
    if (fail) {
      throw new Error('nope');
    }
    return { ok: true };
  }

  @EmitEvent('thing.streamed')
  stream(): Observable<number> {
    this.calls += 1;
    return of(1, 2, 3);
  }

  @EmitEvent('thing.audited', { client: 'audit' })
  @EmitEvent('thing.done')
  audit(): Promise<string> {
    return Promise.resolve('audited');
  }
}

interface TestApp {
  controller: ThingController;
  main: FakeEmitter;
  audit: FakeEmitter;
  close(): Promise<void>;
}

/** An app with an unnamed and an `audit` RedisStreamsModule whose clients are fakes. */
async function startApp(extra: Type[] = []): Promise<TestApp> {
  const main = new FakeEmitter();
  const audit = new FakeEmitter();
  const moduleRef = await Test.createTestingModule({
    imports: [RedisStreamsModule.forRoot(), RedisStreamsModule.forRoot({ name: 'audit' })],
    controllers: [ThingController],
    providers: extra,
  })
    .overrideProvider(ClientRedisStreams)
    .useValue(main)
    .overrideProvider(getRedisStreamsClientToken('audit'))
    .useValue(audit)
    .compile();
  await moduleRef.init();
  return { controller: moduleRef.get(ThingController), main, audit, close: () => moduleRef.close() };
}

describe('@EmitEvent', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(() => app.close());
  beforeEach(() => {
    app.main.emitted.length = 0;
    app.audit.emitted.length = 0;
  });

  it('emits the resolved result through its app’s client and returns it', async () => {
    await expect(app.controller.run()).resolves.toEqual({ ok: true });
    expect(app.main.emitted).toEqual([['thing.done', { ok: true }]]);
  });

  it('emits nothing when the method throws', async () => {
    await expect(app.controller.run(true)).rejects.toThrow('nope');
    expect(app.main.emitted).toEqual([]);
  });

  it('rejects when the emit fails', async () => {
    app.main.fail = true;
    try {
      await expect(app.controller.run()).rejects.toThrow('OOM');
    } finally {
      app.main.fail = false;
    }
  });

  it("emits an Observable's last value, subscribing once, and returns it", async () => {
    const calls = app.controller.calls;
    await expect(app.controller.stream()).resolves.toBe(3);
    expect(app.main.emitted).toEqual([['thing.streamed', 3]]);
    expect(app.controller.calls).toBe(calls + 1);
  });

  it('stacked decorators emit through their own named clients', async () => {
    await expect(app.controller.audit()).resolves.toBe('audited');
    expect(app.main.emitted).toEqual([['thing.done', 'audited']]);
    expect(app.audit.emitted).toEqual([['thing.audited', 'audited']]);
  });

  it('keeps the method name and the metadata of other decorators', () => {
    expect(ThingController.prototype.run.name).toBe('run');
    expect(Reflect.getMetadata(PATH_METADATA, ThingController.prototype.run)).toBe('/');
  });

  it('fails before running the method on an instance no app serves', async () => {
    const orphan = new ThingController();
    await expect(orphan.run()).rejects.toThrow(/no Redis Streams client named "default"/);
    expect(orphan.calls).toBe(0);
  });

  it('binds each app’s instances to that app’s clients, and unbinds them when it closes', async () => {
    const other = await startApp();
    await other.controller.run();
    await app.controller.run();
    expect(other.main.emitted).toEqual([['thing.done', { ok: true }]]);
    expect(app.main.emitted).toEqual([['thing.done', { ok: true }]]);

    await other.close();
    await expect(other.controller.run()).rejects.toThrow(/no Redis Streams client/);
    await expect(app.controller.run()).resolves.toEqual({ ok: true });
    expect(other.main.emitted).toHaveLength(1);
  });

  it('refuses a request-scoped provider when the app initialises', async () => {
    @Injectable({ scope: Scope.REQUEST })
    class PerRequest {
      @EmitEvent('thing.done')
      run(): Promise<number> {
        return Promise.resolve(1);
      }
    }
    await expect(startApp([PerRequest])).rejects.toThrow(/PerRequest: it is request-scoped/);
  });

  it('refuses two different clients of one name in one app', async () => {
    @Module({ imports: [RedisStreamsModule.forRoot({ streamPrefix: 'a:' })], controllers: [ThingController] })
    class FirstFeature {}
    @Module({ imports: [RedisStreamsModule.forRoot({ streamPrefix: 'b:' })] })
    class SecondFeature {}
    const moduleRef = await Test.createTestingModule({ imports: [FirstFeature, SecondFeature] }).compile();
    // Nothing to close: the clients connect on first use.
    await expect(moduleRef.init()).rejects.toThrow(/two RedisStreamsModule clients named "default"/);
  });
});
