/**
 * Append-only ledgers, one JSON object a line. A line is written with `fs.writeSync` before the call returns: once
 * a handler has returned, its line is in the kernel and survives a SIGKILL of the process (not a power cut — the
 * suite kills processes, never the machine, so no fsync).
 */
import { closeSync, existsSync, openSync, readFileSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** What the producer learnt about one emit. */
export type EmitOutcome = 'ok' | 'failed' | 'unknown';

/** One line of the producer ledger. */
export interface ProducerRecord {
  /** The event's `event_id`. */
  e: string;
  /**
   * `ok`: Redis returned the entry id in time; `failed`: Redis refused the XADD with an error reply (it did not
   * happen); `unknown`: no reply in time, or the connection failed (it may or may not have been written).
   */
  o: EmitOutcome;
  /** Entry id (ok only). */
  id?: string;
  /** Error class and message, or the Redis error code (failed / unknown). */
  why?: string;
  /** A result that arrived after the emit had been recorded `unknown` (the write did happen, or did not). */
  late?: 'ok' | 'failed';
  /** Producer clock (ms since the epoch). */
  t: number;
}

/** One line of a handler ledger: a handler that ran to its end, written just before it returned. */
export interface HandlerRecord {
  /** The event's `event_id`. */
  e: string;
  /** Entry id (in the stream, or in the retry lane). */
  id: string;
  pid: number;
  /** Consumer name. */
  c: string;
  /** Delivery count the transport reported. */
  n: number;
  t: number;
  /** The process killed itself right after this handler returned (a crash-after-handling marker). */
  crash?: true;
}

/** One line of a consumer's health ledger: readiness changes, the busiest moment, the last counters. */
export interface HealthRecord {
  k: 'ready' | 'not-ready' | 'max-running' | 'stats';
  pid: number;
  c: string;
  t: number;
  /** `max-running`: most handlers seen running at once so far. */
  running?: number;
  /** `not-ready`: ms since Redis last answered the read loop. */
  lastReplyMsAgo?: number;
  /** `stats`: the server's counters (`getStats()`). */
  stats?: Record<string, number>;
}

/** File name prefixes of the ledgers in a scenario's directory. */
export const LEDGER_FILES = {
  producer: 'producer.jsonl',
  handlerPrefix: 'handled-',
  healthPrefix: 'health-',
} as const;

/** An append-only JSON-lines file; each {@link append} is one `writeSync` of one whole line. */
export class Ledger<T extends object> {
  private fd: number | undefined;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  /** Writes `record` as one line; it is in the kernel when this returns. */
  append(record: T): void {
    if (this.fd === undefined) {
      throw new Error(`ledger ${this.path} is closed`);
    }
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}

/** The lines of a ledger file, and how many could not be parsed (a torn or foreign line: the checker fails on it). */
export function readLedger<T>(path: string): { records: T[]; torn: number } {
  if (!existsSync(path)) {
    return { records: [], torn: 0 };
  }
  const records: T[] = [];
  let torn = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') {
      continue;
    }
    try {
      records.push(JSON.parse(line) as T);
    } catch {
      torn++;
    }
  }
  return { records, torn };
}

/** Every ledger in `dir` whose name starts with `prefix`, read and concatenated. */
export function readLedgers<T>(dir: string, prefix: string): { records: T[]; torn: number } {
  const all: T[] = [];
  let torn = 0;
  for (const name of readdirSync(dir)
    .filter((file) => file.startsWith(prefix))
    .sort()) {
    const ledger = readLedger<T>(join(dir, name));
    all.push(...ledger.records);
    torn += ledger.torn;
  }
  return { records: all, torn };
}

/** Path of the handler ledger of one consumer process. */
export function handlerLedgerPath(dir: string, consumer: string, pid: number): string {
  return join(dir, `${LEDGER_FILES.handlerPrefix}${consumer}-${pid}.jsonl`);
}

/** Path of the health ledger of one consumer process. */
export function healthLedgerPath(dir: string, consumer: string, pid: number): string {
  return join(dir, `${LEDGER_FILES.healthPrefix}${consumer}-${pid}.jsonl`);
}
