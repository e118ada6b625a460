/**
 * The scenario's producer: emits events at a rate through ClientRedisStreams, each with its own `event_id`, and
 * records every outcome in the producer ledger (ok / failed / unknown) as soon as it is known.
 */
import { join } from 'node:path';
import { Redis, ReplyError } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import {
  ClientRedisStreams,
  ENVELOPE_FIELDS,
  RedisCommandError,
  RedisStreamsRecord,
} from '@app/redis-streams';
import { ChaosPayload } from './consumer-settings';
import { EmitOutcome, LEDGER_FILES, Ledger, ProducerRecord } from './ledger';

/** How long an emit may take before its outcome is recorded as unknown. */
export const EMIT_TIMEOUT_MS = 5000;
/** Ticks of the rate limiter. */
const TICK_MS = 10;

/** Options of one production run. */
export interface ProduceOptions {
  /** Extra payload fields for the `n`-th event of this run (e.g. a crash marker). */
  mark?: (n: number) => Partial<ChaosPayload>;
  /** Stops emitting (what was emitted is still awaited and recorded). */
  signal?: AbortSignal;
  /**
   * Writes like the users' scripts do instead of through the transport: a plain `XADD … MAXLEN <maxLen>` of the
   * same envelope, which trims the oldest entries whether or not a group has read them.
   */
  maxLen?: number;
}

/** Counts of one production run. */
export interface ProductionSummary {
  emitted: number;
  ok: number;
  failed: number;
  unknown: number;
  /** The records of this run, in emit order. */
  records: ProducerRecord[];
}

/** Emits chaos events and keeps the producer ledger. */
export class Producer {
  private readonly client: ClientRedisStreams;
  /** The plain connection of {@link ProduceOptions.maxLen} writes, made on first use. */
  private plain: Redis | undefined;
  private readonly ledger: Ledger<ProducerRecord>;
  private readonly outstanding = new Set<Promise<unknown>>();
  private sequence = 0;
  private closed = false;

  constructor(
    private readonly redisUrl: string,
    private readonly stream: string,
    dir: string,
    /** Prefix of every `event_id` (unique per scenario run). */
    private readonly tag: string,
  ) {
    this.client = new ClientRedisStreams({ url: redisUrl });
    this.ledger = new Ledger<ProducerRecord>(join(dir, LEDGER_FILES.producer));
  }

  /**
   * Emits `count` events at `rate` per second without waiting for each reply (emits pipeline), then waits for every
   * outcome: bounded by `count / rate` plus {@link EMIT_TIMEOUT_MS} (an unanswered emit is recorded unknown).
   */
  async produce(count: number, rate: number, options: ProduceOptions = {}): Promise<ProductionSummary> {
    const outcomes: Array<Promise<ProducerRecord>> = [];
    const started = Date.now();
    while (outcomes.length < count && !options.signal?.aborted) {
      const due = Math.min(count, Math.floor(((Date.now() - started) * rate) / 1000) + 1);
      while (outcomes.length < due) {
        outcomes.push(this.emitOne(outcomes.length, options.mark, options.maxLen));
      }
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
    const records = await Promise.all(outcomes);
    const tally = (outcome: EmitOutcome): number => records.filter((record) => record.o === outcome).length;
    return {
      emitted: records.length,
      ok: tally('ok'),
      failed: tally('failed'),
      unknown: tally('unknown'),
      records,
    };
  }

  /** Waits (bounded) for late results of unknown emits, then closes the client and the ledger. */
  async close(): Promise<void> {
    await Promise.race([
      Promise.allSettled([...this.outstanding]),
      new Promise((resolve) => setTimeout(resolve, EMIT_TIMEOUT_MS).unref()),
    ]);
    this.closed = true;
    await this.client.close().catch(() => undefined);
    this.plain?.disconnect();
    this.ledger.close();
  }

  private emitOne(n: number, mark: ProduceOptions['mark'], maxLen?: number): Promise<ProducerRecord> {
    const eventId = `${this.tag}-${this.sequence++}`;
    const payload: ChaosPayload = { n, ...mark?.(n) };
    const write =
      maxLen === undefined
        ? lastValueFrom(this.client.emit<string>(this.stream, new RedisStreamsRecord(payload, { eventId })))
        : this.xaddTrimming(payload, eventId, maxLen);
    this.outstanding.add(write);
    void write.then(
      () => this.outstanding.delete(write),
      () => this.outstanding.delete(write),
    );
    return new Promise<ProducerRecord>((resolve) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        resolve(
          this.record({ e: eventId, o: 'unknown', why: `no reply in ${EMIT_TIMEOUT_MS} ms`, t: Date.now() }),
        );
      }, EMIT_TIMEOUT_MS);
      void write.then(
        (id) => {
          if (settled) {
            this.record({ e: eventId, o: 'unknown', late: 'ok', id, t: Date.now() });
            return;
          }
          clearTimeout(timer);
          resolve(this.record({ e: eventId, o: 'ok', id, t: Date.now() }));
        },
        (error: unknown) => {
          // A Redis error reply (OOM, NOPERM …) says the XADD did not happen; a connection failure says nothing.
          const refused =
            (error instanceof RedisCommandError && error.code !== undefined) || error instanceof ReplyError;
          const why = error instanceof Error ? error.message.slice(0, 200) : 'error';
          if (settled) {
            if (refused) {
              this.record({ e: eventId, o: 'unknown', late: 'failed', why, t: Date.now() });
            }
            return;
          }
          clearTimeout(timer);
          resolve(this.record({ e: eventId, o: refused ? 'failed' : 'unknown', why, t: Date.now() }));
        },
      );
    });
  }

  private async xaddTrimming(payload: ChaosPayload, eventId: string, maxLen: number): Promise<string> {
    this.plain ??= new Redis(this.redisUrl, { maxRetriesPerRequest: 5 });
    const id = await this.plain.xadd(
      this.stream,
      'MAXLEN',
      maxLen,
      '*',
      ENVELOPE_FIELDS.type,
      this.stream,
      ENVELOPE_FIELDS.data,
      JSON.stringify(payload),
      ENVELOPE_FIELDS.eventId,
      eventId,
      ENVELOPE_FIELDS.timestamp,
      new Date().toISOString(),
    );
    return id as string;
  }

  private record(record: ProducerRecord): ProducerRecord {
    if (this.closed) {
      return record; // a late result after the run: every emit's first outcome was recorded before close()
    }
    this.ledger.append(record);
    return record;
  }
}
