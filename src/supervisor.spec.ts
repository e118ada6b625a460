import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { REDIS_LABEL, Supervisor } from './supervisor';

/** A child process that records the signals it gets and exits when told to (or not at all). */
class FakeChild extends EventEmitter {
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly signals: string[] = [];

  constructor(
    private readonly order: string[],
    private readonly label: string,
    private readonly exitsOnSignal = true,
  ) {
    super();
  }

  kill(signal: NodeJS.Signals): boolean {
    this.signals.push(signal);
    this.order.push(`${this.label}:${signal}`);
    if (this.exitsOnSignal || signal === 'SIGKILL') {
      setImmediate(() => this.exit(null, signal));
    }
    return true;
  }

  exit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exitCode = code;
    this.signalCode = signal;
    this.emit('exit', code, signal);
  }
}

const asChild = (fake: FakeChild): ChildProcess => fake as unknown as ChildProcess;

describe('Supervisor', () => {
  let order: string[];
  let exits: number[];
  let supervisor: Supervisor;
  let exited: Promise<number>;

  beforeEach(() => {
    jest.spyOn(process.stdout, 'write').mockReturnValue(true);
    jest.spyOn(process.stderr, 'write').mockReturnValue(true);
    order = [];
    exits = [];
    exited = new Promise((resolve) => {
      supervisor = new Supervisor((code) => {
        exits.push(code);
        resolve(code);
      });
    });
  });

  afterEach(() => jest.restoreAllMocks());

  it('stops the apps with the signal received, then the throwaway Redis, then exits 0', async () => {
    const api = new FakeChild(order, 'api');
    const consumer = new FakeChild(order, 'consumer');
    const redis = new FakeChild(order, REDIS_LABEL);
    supervisor.track(REDIS_LABEL, asChild(redis));
    supervisor.track('consumer', asChild(consumer));
    supervisor.track('api', asChild(api));

    await supervisor.stop(0, 'SIGINT');

    expect(order).toEqual(['consumer:SIGINT', 'api:SIGINT', 'redis:SIGTERM']);
    expect(exits).toEqual([0]);
  });

  it('an app exiting on its own stops the other and exits 1', async () => {
    const api = new FakeChild(order, 'api');
    const consumer = new FakeChild(order, 'consumer');
    supervisor.track('consumer', asChild(consumer));
    supervisor.track('api', asChild(api));

    consumer.exit(1, null);

    expect(await exited).toBe(1);
    expect(order).toEqual(['api:SIGTERM']);
    expect(supervisor.stopping).toBe(true);
  });

  it('a child that cannot be started stops everything and exits 1', async () => {
    const api = new FakeChild(order, 'api');
    supervisor.track('api', asChild(api));

    api.emit('error', new Error('spawn ENOENT'));

    expect(await exited).toBe(1);
  });

  it('only the first stop counts; killAll SIGKILLs what still runs', async () => {
    const api = new FakeChild(order, 'api', false);
    supervisor.track('api', asChild(api));

    const first = supervisor.stop(0, 'SIGTERM');
    await supervisor.stop(1);
    supervisor.killAll();
    await first;

    expect(api.signals).toEqual(['SIGTERM', 'SIGKILL']);
    expect(exits).toEqual([0]);
  });
});
