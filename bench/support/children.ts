import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { ChildConfig, FromChild, ToChild } from './protocol';

type MessageOf<T extends FromChild['type']> = Extract<FromChild, { type: T }>;

/** A producer or consumer process of one case, talking JSON over the IPC channel. */
export class BenchChild {
  /** The latest `progress` count and when it last changed. */
  progress = { seen: 0, changedAt: Date.now() };
  private readonly proc: ChildProcess;
  private readonly inbox = new Map<string, FromChild[]>();
  private readonly listeners = new Set<() => void>();
  private failure: string | undefined;
  private exited = false;

  /** @param profileDir When set, the process writes a CPU profile there (`node --cpu-prof`) as it exits. */
  constructor(
    buildDir: string,
    readonly config: ChildConfig,
    profileDir?: string,
  ) {
    const profile = profileDir
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${profileDir}`,
          `--cpu-prof-name=${config.caseId}-${config.mode}-${config.role}-${Date.now()}.cpuprofile`,
        ]
      : [];
    this.proc = fork(join(buildDir, 'bench', 'child.js'), [JSON.stringify(config)], {
      cwd: buildDir,
      execArgv: ['-r', require.resolve('tsconfig-paths/register'), ...profile],
      env: { ...process.env, TS_NODE_PROJECT: join(buildDir, 'tsconfig.json'), NODE_ENV: 'production' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.proc.on('message', (message: FromChild) => {
      if (message.type === 'progress') {
        if (message.seen !== this.progress.seen) {
          this.progress = { seen: message.seen, changedAt: Date.now() };
        }
      } else if (message.type === 'failed') {
        this.failure ??= message.message;
      } else {
        const queue = this.inbox.get(message.type) ?? [];
        queue.push(message);
        this.inbox.set(message.type, queue);
      }
      this.notify();
    });
    this.proc.on('exit', (code, signal) => {
      this.exited = true;
      this.failure ??= `exited early (code ${code}, signal ${signal})`;
      this.notify();
    });
    this.proc.on('error', (error) => {
      this.failure ??= error.message;
      this.notify();
    });
  }

  /** Why the child failed (reported failure or early exit), if it did. */
  get failureReason(): string | undefined {
    return this.failure;
  }

  get label(): string {
    return `${this.config.caseId} ${this.config.mode} ${this.config.role}`;
  }

  send(message: ToChild): void {
    if (!this.exited && this.proc.connected) {
      this.proc.send(message);
    }
  }

  /**
   * The next message of `type`. Rejects when the child reports a failure or exits, at `deadline` (epoch ms), or
   * when `stalled()` (polled every 250 ms) returns a reason.
   */
  next<T extends FromChild['type']>(
    type: T,
    deadline: number,
    stalled: () => string | undefined = () => undefined,
  ): Promise<MessageOf<T>> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const queued = this.inbox.get(type)?.shift();
        if (queued) {
          resolve(queued as MessageOf<T>);
          return true;
        }
        const reason =
          this.failure ??
          (Date.now() > deadline ? `no "${type}" before the deadline` : undefined) ??
          stalled();
        if (reason !== undefined) {
          reject(new Error(`${this.label}: ${reason}`));
          return true;
        }
        return false;
      };
      if (check()) {
        return;
      }
      const listener = (): void => {
        if (check()) {
          this.listeners.delete(listener);
          clearInterval(timer);
        }
      };
      const timer = setInterval(listener, 250);
      this.listeners.add(listener);
    });
  }

  /** Asks the child to close and exit; SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.exited) {
      return;
    }
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.send({ type: 'stop' });
    const timer = setTimeout(() => this.kill(), graceMs);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (!this.exited) {
      this.proc.kill('SIGKILL');
    }
  }

  private notify(): void {
    for (const listener of [...this.listeners]) {
      listener();
    }
  }
}
