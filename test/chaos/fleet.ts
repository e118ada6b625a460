/**
 * The consumers of a scenario: real child processes (test/chaos/chaos-consumer.ts), one per slot, that a scenario
 * kills, pauses, stops and respawns. Every process is tracked until it exits; {@link Fleet.destroy} kills what is left.
 */
import { ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnTsFixture } from '../support/child-consumer';
import { ConsumerSettings, consumerEnv } from './consumer-settings';

const START_TIMEOUT_MS = 30_000;

/** How a consumer process ended. */
export interface ConsumerExit {
  consumer: string;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One running consumer process. */
export class ConsumerProcess {
  /** Set once the process has exited. */
  exit: ConsumerExit | undefined;
  /** Set once the process printed READY. */
  ready = false;
  /** Resolves when the process has exited, however. */
  readonly exited: Promise<ConsumerExit>;
  private stopped = false;
  /** Signals sent to it from here. */
  readonly sent = new Set<NodeJS.Signals>();

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exit = { consumer: name, pid: child.pid ?? -1, code, signal };
        resolve(this.exit);
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  /** True while SIGSTOPped by {@link pause}. */
  get paused(): boolean {
    return this.stopped;
  }

  /** Sends `signal` without waiting. */
  signal(signal: NodeJS.Signals): void {
    if (this.alive) {
      this.sent.add(signal);
      this.child.kill(signal);
    }
  }

  pause(): void {
    this.stopped = true;
    this.signal('SIGSTOP');
  }

  resume(): void {
    this.stopped = false;
    this.signal('SIGCONT');
  }

  /** Sends `signal` (SIGCONT first if paused) and resolves with how the process ended. */
  async stop(signal: NodeJS.Signals): Promise<ConsumerExit> {
    if (this.stopped) {
      this.resume();
    }
    this.signal(signal);
    return this.exited;
  }
}

/** Options of a {@link Fleet}. */
export interface FleetOptions {
  redisUrl: string;
  stream: string;
  group: string;
  /** The scenario's ledger directory. */
  dir: string;
  settings: ConsumerSettings;
}

/**
 * Slots of consumer processes. A slot holds its current process; respawning a slot starts a new process with a new
 * consumer name (or the same one, to exercise the restart-with-the-same-name path).
 */
export class Fleet {
  /** Current process of each slot (undefined while none was started). */
  readonly slots: Array<ConsumerProcess | undefined> = [];
  /** Every process ever started, for cleanup and for the exit record. */
  readonly all: ConsumerProcess[] = [];
  private readonly starting = new Set<Promise<ConsumerProcess>>();
  private respawnOnExit: { sameName: boolean; onCrash: () => void } | undefined;
  private destroyed = false;

  constructor(private readonly options: FleetOptions) {}

  /** Starts `count` slots in parallel and waits until every one printed READY. */
  async start(count: number): Promise<void> {
    await Promise.all(Array.from({ length: count }, (_, slot) => this.respawn(slot)));
  }

  /** Starts a process in `slot` (replacing whatever was there) and resolves once it is READY. */
  respawn(slot: number, options: { sameName?: boolean } = {}): Promise<ConsumerProcess> {
    const previous = this.slots[slot];
    const name =
      options.sameName && previous ? previous.name : `chaos-${slot}-${randomBytes(3).toString('hex')}`;
    const starting = this.spawn(slot, name);
    this.starting.add(starting);
    void starting.then(
      () => this.starting.delete(starting),
      () => this.starting.delete(starting),
    );
    return starting;
  }

  /** Live, ready processes that are not paused. */
  running(): Array<{ slot: number; process: ConsumerProcess }> {
    return this.slots.flatMap((member, slot) =>
      member && member.ready && member.alive && !member.paused ? [{ slot, process: member }] : [],
    );
  }

  /**
   * From now on, a process of a slot that dies of SIGKILL nobody here sent (it killed itself: a crash the scenario
   * provoked) is reported to `onCrash` and replaced at once; `sameName` keeps its consumer name (the new process then
   * waits for the dead one's lease to lapse).
   */
  respawnCrashed(options: { sameName: boolean }, onCrash: () => void = () => undefined): void {
    this.respawnOnExit = { ...options, onCrash };
  }

  /** Waits until no respawn is in progress and every slot up to `count` holds a live process. */
  async settle(count: number): Promise<void> {
    for (let round = 0; round < 10; round++) {
      await Promise.all([...this.starting]);
      const missing = Array.from({ length: count }, (_, slot) => slot).filter(
        (slot) => !this.slots[slot]?.alive,
      );
      if (missing.length === 0 && this.starting.size === 0) {
        return;
      }
      await Promise.all(missing.map((slot) => this.respawn(slot)));
    }
    throw new Error('fleet: consumers keep dying while settling');
  }

  /** SIGTERM to every live process at once; resolves with how each ended. */
  async stopAll(signal: NodeJS.Signals): Promise<ConsumerExit[]> {
    return Promise.all(this.running().map(({ process: member }) => member.stop(signal)));
  }

  /** Kills every process ever started (SIGCONT first, so a paused one dies too) and waits for them. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    await Promise.allSettled([...this.starting]);
    await Promise.all(this.all.filter((member) => member.alive).map((member) => member.stop('SIGKILL')));
  }

  /** Synchronous last resort (runner interrupted): SIGKILL every live process. */
  killNow(): void {
    this.destroyed = true;
    for (const member of this.all) {
      member.signal('SIGCONT');
      member.signal('SIGKILL');
    }
  }

  /**
   * Starts a second process with the consumer name of `slot`'s current one, outside the slots (the slot keeps its
   * process): `process` at once, `ready` resolves if it ever prints READY and rejects if it exits first.
   */
  startTwin(slot: number): { process: ConsumerProcess; ready: Promise<void> } {
    const name = this.slots[slot]?.name;
    if (!name) {
      throw new Error(`fleet: slot ${slot} holds no process to twin`);
    }
    return this.launch(name);
  }

  /** Makes `consumer` (a ready twin) the process of `slot`; the slot's previous process is no longer its own. */
  place(slot: number, consumer: ConsumerProcess): void {
    this.slots[slot] = consumer;
    void consumer.exited.then(() => this.onExit(slot, consumer));
  }

  private async spawn(slot: number, name: string): Promise<ConsumerProcess> {
    const { process: consumer, ready } = this.launch(name);
    this.slots[slot] = consumer;
    await ready;
    this.place(slot, consumer);
    return consumer;
  }

  /** Spawns a consumer process named `name`, tracked in {@link all}. */
  private launch(name: string): { process: ConsumerProcess; ready: Promise<void> } {
    if (this.destroyed) {
      throw new Error('fleet destroyed');
    }
    const { redisUrl, stream, group, dir, settings } = this.options;
    const stderr = openSync(join(dir, `stderr-${name}.log`), 'a');
    const child = spawnTsFixture(
      'test/chaos/chaos-consumer.ts',
      consumerEnv({ redisUrl, stream, group, consumer: name, dir }, settings),
      ['pipe', 'pipe', stderr],
    );
    closeSync(stderr);
    const consumer = new ConsumerProcess(name, child);
    this.all.push(consumer);
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        consumer.signal('SIGKILL');
        reject(new Error(`consumer ${name} did not start in ${START_TIMEOUT_MS} ms`));
      }, START_TIMEOUT_MS);
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('READY')) {
          clearTimeout(timer);
          consumer.ready = true;
          resolve();
        }
      });
      void consumer.exited.then((exit) => {
        clearTimeout(timer);
        reject(new Error(`consumer ${name} exited before READY (code ${exit.code}, signal ${exit.signal})`));
      });
    });
    return { process: consumer, ready };
  }

  private onExit(slot: number, consumer: ConsumerProcess): void {
    const policy = this.respawnOnExit;
    if (this.destroyed || !policy || this.slots[slot] !== consumer) {
      return;
    }
    if (consumer.exit?.signal !== 'SIGKILL' || consumer.sent.has('SIGKILL')) {
      return;
    }
    policy.onCrash();
    void this.respawn(slot, policy).catch(() => undefined);
  }
}
