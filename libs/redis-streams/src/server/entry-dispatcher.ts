import { EventEmitter } from 'node:events';
import { LoggerService } from '@nestjs/common';
import type { ReadPacket } from '@nestjs/microservices';
import { RedisStreamsContext } from '../ctx-host/redis-streams.context';
import { BadEntryError } from '../errors/bad-entry.error';
import { describeError } from '../errors/describe-error';
import { RawEntry } from '../redis/stream-replies';
import { DecodeLimits, DecodedEntry, decodeEntry } from '../serialization/entry-decoder';
import { AckBatcher } from './ack-batcher';
import { HandlerTable } from './handler-table';
import { InFlight, entryKey } from './in-flight';
import { RedisStreamsServerStats } from './server-types';

/** The counters a dispatcher moves. */
export type DispatchCounters = Omit<RedisStreamsServerStats, 'inFlight' | 'pendingAcks'>;

/** What the dispatcher needs from the server around it. */
export interface EntryDispatcherDeps {
  group: string;
  consumer: string;
  limits: DecodeLimits;
  table: HandlerTable;
  acks: AckBatcher;
  inFlight: InFlight;
  counters: DispatchCounters;
  events: EventEmitter;
  logger: LoggerService;
  /** Runs the handler and settles when it has finished (the server's `handleEvent`). */
  runHandler(pattern: string, packet: ReadPacket, context: RedisStreamsContext): Promise<void>;
}

/**
 * Turns read entries into handler calls: decode, route, run, and on success queue the XACK. A failed handler, a bad
 * entry or an unknown pattern on a single-pattern stream leaves the entry pending; an unknown pattern on a shared
 * stream is someone else's event and is acknowledged as skipped.
 */
export class EntryDispatcher {
  constructor(private readonly deps: EntryDispatcherDeps) {}

  /** Starts handling `entries` (without waiting); each holds an in-flight slot until it settles. */
  dispatch(stream: string, entries: RawEntry[], deliveries?: Map<string, number>): void {
    const { inFlight, counters } = this.deps;
    for (const entry of entries) {
      const key = entryKey(stream, entry.id);
      inFlight.add(key);
      counters.received++;
      void this.process(stream, entry, deliveries?.get(entry.id) ?? 1).finally(() => inFlight.delete(key));
    }
  }

  private async process(stream: string, entry: RawEntry, deliveryCount: number): Promise<void> {
    const { deps } = this;
    const route = deps.table.route(stream);
    let decoded: DecodedEntry;
    try {
      decoded = decodeEntry(entry.fields, route, deps.limits);
    } catch (error) {
      const bad =
        error instanceof BadEntryError ? error : new BadEntryError('invalid-json', describeError(error));
      this.reject(stream, entry.id, bad);
      return;
    }
    if (!deps.table.resolve(stream, decoded.pattern)) {
      this.unhandled(stream, entry.id, decoded.pattern, route.shared);
      return;
    }
    const context = new RedisStreamsContext([
      stream,
      entry.id,
      deps.group,
      deps.consumer,
      deliveryCount,
      decoded.headers,
      decoded.extras,
      decoded.pattern,
      decoded.eventId,
      decoded.timestamp,
    ]);
    try {
      await deps.runHandler(decoded.pattern, { pattern: decoded.pattern, data: decoded.data }, context);
    } catch (error) {
      deps.counters.failed++;
      deps.logger.warn(
        `${stream} ${entry.id} "${decoded.pattern}" failed on delivery ${deliveryCount}; left pending: ${describeError(error)}`,
      );
      deps.events.emit('handler-failed', {
        stream,
        id: entry.id,
        pattern: decoded.pattern,
        deliveryCount,
        error,
      });
      return;
    }
    deps.counters.handled++;
    deps.acks.add(stream, entry.id);
  }

  private unhandled(stream: string, id: string, pattern: string, shared: boolean): void {
    const { deps } = this;
    if (shared) {
      deps.counters.skipped++;
      deps.acks.add(stream, id);
      return;
    }
    deps.counters.rejected++;
    deps.logger.warn(`${stream} ${id}: no handler for type "${pattern}"; entry left pending`);
    deps.events.emit('rejected', { stream, id, reason: 'no-handler' });
  }

  private reject(stream: string, id: string, error: BadEntryError): void {
    const { deps } = this;
    if (error.reason === 'deleted') {
      // Nothing left to handle; acknowledging removes the dangling PEL slot.
      deps.counters.deletedWhilePending++;
      deps.logger.warn(`${stream} ${id}: entry was deleted while pending; removed from the PEL`);
      deps.acks.add(stream, id);
      return;
    }
    deps.counters.rejected++;
    deps.logger.warn(`${stream} ${id}: bad entry (${error.reason}: ${error.message}); entry left pending`);
    deps.events.emit('rejected', { stream, id, reason: error.reason });
  }
}
