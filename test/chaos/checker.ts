/**
 * The Jepsen-style checker. After the faults are healed it drains (nothing pending, nothing unread, no retry
 * scheduled, and no new handling for a quiet period, within a deadline), reads the dead letters, and sets the
 * producer's ledger against the handlers' ledgers:
 *
 * - lost       = events the producer was told were written (ok, also late) − handled − dead-lettered
 * - duplicated = handlings beyond the first per event_id (redeliveries of one entry + extra entries of one event)
 * - unexpected = handled or dead-lettered but never emitted, or emitted and refused by Redis (a definite failure)
 * - recovered  = emits whose outcome the producer never learnt (unknown) that were handled or dead-lettered
 *
 * A run is valid only with 0 lost and 0 unexpected — unless the scenario predicted a loss: then the lost events
 * must be exactly the predicted ones (same ids, not only the same count).
 */
import { statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { RedisStreamsAdmin } from '@app/redis-streams/admin';
import { HandlerRecord, HealthRecord, LEDGER_FILES, ProducerRecord, readLedger, readLedgers } from './ledger';

/** What the drain waits for and how long. */
export interface DrainOptions {
  stream: string;
  group: string;
  /** The scenario's ledger directory. */
  dir: string;
  /** Gives up after this long (ms). */
  timeoutMs: number;
  /** No new handling for this long (ms) before the group counts as drained. Default 2000. */
  quietMs?: number;
  /** Stops waiting (the run was abandoned). */
  signal?: AbortSignal;
}

/** The group's remaining work as last seen. */
export interface GroupWork {
  exists: boolean;
  pending: number;
  lag: number;
  scheduledRetries: number;
}

/** How the drain ended. */
export interface DrainResult {
  drained: boolean;
  /** When the group was first seen empty in the final quiet window (ms since the epoch). */
  drainedAt: number;
  last: GroupWork;
}

/** Counts of one scenario run. */
export interface Figures {
  emitted: number;
  ok: number;
  failed: number;
  unknown: number;
  /** Unknown emits whose reply came after the timeout: the XADD did happen. */
  lateOk: number;
  /** Distinct event_ids handled. */
  handled: number;
  /** Handler ledger lines (handlings that returned). */
  handlings: number;
  /** Distinct event_ids in the dead-letter stream. */
  deadLettered: number;
  lost: number;
  duplicated: number;
  /** Of `duplicated`: the same entry handled again (crash before ack, takeover, lost ack). */
  redelivered: number;
  /** Of `duplicated`: more than one stream entry for one event_id (an XADD re-sent after a lost reply). */
  producerDuplicates: number;
  unexpected: number;
  recovered: number;
  /** Ledger lines that could not be parsed. */
  torn: number;
  /** Up to 10 ids of each kind of anomaly, for the report. */
  samples: { lost: string[]; unexpected: string[] };
  /** The lost event_ids (all of them; compared with a prediction). */
  lostIds: string[];
}

/** What the consumers' health ledgers say. */
export interface HealthSummary {
  /** Readiness lost after a process had been ready (per process: consumer name → count). */
  notReady: Record<string, number>;
  /** Most handlers seen running at once, per process. */
  maxRunning: Record<string, number>;
  /** Server counters summed over every process's last report (a SIGKILLed process misses its last second). */
  counters: Record<string, number>;
}

/** The verdict on one run. */
export interface Verdict {
  pass: boolean;
  /** `pass`, `pass (predicted loss)` or `FAIL`. */
  label: string;
  problems: string[];
}

const POLL_MS = 100;

/**
 * Waits until the group has nothing pending, nothing unread and no retry scheduled, and no handler ledger grew for
 * `quietMs`; gives up after `timeoutMs`. Redis errors while polling (a restart) count as "not drained yet".
 */
export async function drain(redis: Redis, options: DrainOptions): Promise<DrainResult> {
  const admin = new RedisStreamsAdmin(redis);
  const quietMs = options.quietMs ?? 2000;
  const deadline = Date.now() + options.timeoutMs;
  let last: GroupWork = { exists: false, pending: -1, lag: -1, scheduledRetries: -1 };
  let emptySince: number | undefined;
  let sizeThen = -1;
  while (Date.now() < deadline && !options.signal?.aborted) {
    try {
      const [snapshot] = await admin.inspect([options.stream]);
      const group = snapshot?.groups.find((candidate) => candidate.name === options.group);
      last = {
        exists: group !== undefined,
        pending: group?.pending ?? -1,
        lag: group?.lag ?? -1,
        scheduledRetries: group?.scheduledRetries ?? -1,
      };
    } catch {
      last = { ...last, exists: false };
    }
    const empty = last.exists && last.pending === 0 && last.lag === 0 && last.scheduledRetries === 0;
    const size = ledgerBytes(options.dir);
    // The quiet period starts when the group is first seen empty, and again after any new handling (the last
    // change before the group empties need not be a handling: a dead-letter move or an ack is not in the ledgers).
    if (!empty) {
      emptySince = undefined;
    } else if (emptySince === undefined || size !== sizeThen) {
      emptySince = Date.now();
    } else if (Date.now() - emptySince >= quietMs) {
      return { drained: true, drainedAt: emptySince, last };
    }
    sizeThen = size;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return { drained: false, drainedAt: Date.now(), last };
}

/** Bytes in every handler ledger of `dir`: grows with each handling. */
function ledgerBytes(dir: string): number {
  return readdirSync(dir)
    .filter((name) => name.startsWith(LEDGER_FILES.handlerPrefix))
    .reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
}

/** The event_ids in `stream`'s dead-letter stream (records without one are returned as ''). */
export async function deadLetteredEventIds(redis: Redis, stream: string): Promise<string[]> {
  const admin = new RedisStreamsAdmin(redis);
  const records = await admin.listDeadLetters(stream, { limit: 1_000_000 });
  return records.map((record) => record.eventId ?? '');
}

/** Every line of the handler ledgers in `dir`. */
export function readHandlings(dir: string): HandlerRecord[] {
  return readLedgers<HandlerRecord>(dir, LEDGER_FILES.handlerPrefix).records;
}

/** Sets the ledgers in `dir` and the dead letters against each other. */
export function computeFigures(dir: string, deadLetters: string[]): Figures {
  const producer = readLedger<ProducerRecord>(join(dir, LEDGER_FILES.producer));
  const handlers = readLedgers<HandlerRecord>(dir, LEDGER_FILES.handlerPrefix);

  const outcome = new Map<string, ProducerRecord['o']>();
  const lateOk = new Set<string>();
  for (const record of producer.records) {
    if (record.late === 'ok') {
      lateOk.add(record.e);
    } else if (!outcome.has(record.e)) {
      outcome.set(record.e, record.o);
    }
  }
  const perEvent = new Map<string, Map<string, number>>();
  for (const record of handlers.records) {
    const entries = perEvent.get(record.e) ?? new Map<string, number>();
    entries.set(record.id, (entries.get(record.id) ?? 0) + 1);
    perEvent.set(record.e, entries);
  }
  const dead = new Set(deadLetters);

  let redelivered = 0;
  let producerDuplicates = 0;
  for (const entries of perEvent.values()) {
    producerDuplicates += entries.size - 1;
    for (const times of entries.values()) {
      redelivered += times - 1;
    }
  }
  const written = [...outcome].filter(([e, o]) => o === 'ok' || lateOk.has(e)).map(([e]) => e);
  const lostIds = written.filter((e) => !perEvent.has(e) && !dead.has(e));
  const seen = new Set([...perEvent.keys(), ...dead]);
  const unexpectedIds = [...seen].filter((e) => !outcome.has(e) || outcome.get(e) === 'failed');
  const recovered = [...outcome].filter(([e, o]) => o === 'unknown' && seen.has(e)).length;
  const tally = (o: ProducerRecord['o']): number => [...outcome.values()].filter((v) => v === o).length;
  return {
    emitted: outcome.size,
    ok: tally('ok'),
    failed: tally('failed'),
    unknown: tally('unknown'),
    lateOk: lateOk.size,
    handled: perEvent.size,
    handlings: handlers.records.length,
    deadLettered: dead.size,
    lost: lostIds.length,
    duplicated: redelivered + producerDuplicates,
    redelivered,
    producerDuplicates,
    unexpected: unexpectedIds.length,
    recovered,
    torn: producer.torn + handlers.torn,
    samples: { lost: lostIds.slice(0, 10), unexpected: unexpectedIds.slice(0, 10) },
    lostIds,
  };
}

/** Readiness losses, busiest moments and summed counters from the consumers' health ledgers. */
export function summariseHealth(dir: string): HealthSummary {
  const { records } = readLedgers<HealthRecord>(dir, LEDGER_FILES.healthPrefix);
  const notReady: Record<string, number> = {};
  const maxRunning: Record<string, number> = {};
  const lastStats = new Map<number, Record<string, number>>();
  const wasReady = new Set<number>();
  for (const record of records) {
    const key = `${record.c}/${record.pid}`;
    if (record.k === 'ready') {
      wasReady.add(record.pid);
    } else if (record.k === 'not-ready' && wasReady.has(record.pid)) {
      notReady[key] = (notReady[key] ?? 0) + 1;
    } else if (record.k === 'max-running') {
      maxRunning[key] = Math.max(maxRunning[key] ?? 0, record.running ?? 0);
    } else if (record.k === 'stats' && record.stats) {
      lastStats.set(record.pid, record.stats);
    }
  }
  const counters: Record<string, number> = {};
  for (const stats of lastStats.values()) {
    for (const [name, value] of Object.entries(stats)) {
      if (!['inFlight', 'running', 'pendingAcks'].includes(name)) {
        counters[name] = (counters[name] ?? 0) + value;
      }
    }
  }
  return { notReady, maxRunning, counters };
}

/** The verdict: drained, nothing torn, nothing unexpected, and no loss beyond the prediction (if any). */
export function judge(
  figures: Figures,
  drained: DrainResult,
  prediction: { ids: readonly string[] } | undefined,
  scenarioProblems: readonly string[],
): Verdict {
  const problems: string[] = [];
  if (!drained.drained) {
    const { exists, pending, lag, scheduledRetries } = drained.last;
    problems.push(
      `not drained in time (group ${exists ? 'exists' : 'missing'}, pending ${pending}, lag ${lag}, ` +
        `retries ${scheduledRetries})`,
    );
  }
  if (figures.torn > 0) {
    problems.push(`${figures.torn} ledger line(s) unreadable`);
  }
  if (figures.unexpected > 0) {
    problems.push(`${figures.unexpected} unexpected (e.g. ${figures.samples.unexpected.join(', ')})`);
  }
  if (prediction) {
    const predicted = new Set(prediction.ids);
    const unpredicted = figures.lostIds.filter((e) => !predicted.has(e));
    const lost = new Set(figures.lostIds);
    const survived = prediction.ids.filter((e) => !lost.has(e));
    if (unpredicted.length > 0 || survived.length > 0) {
      problems.push(
        `loss ${figures.lost} ≠ prediction ${predicted.size}: ${unpredicted.length} lost unpredicted ` +
          `(e.g. ${unpredicted.slice(0, 5).join(', ')}), ${survived.length} predicted but not lost`,
      );
    }
  } else if (figures.lost > 0) {
    problems.push(`${figures.lost} lost (e.g. ${figures.samples.lost.join(', ')})`);
  }
  problems.push(...scenarioProblems);
  const pass = problems.length === 0;
  return { pass, label: pass ? (prediction ? 'pass (predicted loss)' : 'pass') : 'FAIL', problems };
}
