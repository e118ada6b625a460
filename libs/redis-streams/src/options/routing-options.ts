import { InvalidOptionsError } from '../errors/redis-streams.error';
import { isNameOrPrefix, isWildcard } from '../wire/name-pattern';
import { resolveOrderingKey } from './ordering-key';
import { OnExpired, resolveExpiryOptions } from './expiry-options';
import { ExtraFieldSpec, ResolvedExtraField, WriteCodec, resolveWriteOptions } from './write-options';

/**
 * How a stream's entries are read.
 * - `envelope`: this library's wire format (`type`, `data` JSON, `event_id`, `timestamp`, `headers`).
 * - `flat`: every field is a payload key, JSON-looking values (`{…}`, `[…]`) are decoded (seed 002 producers).
 * - `auto`: `envelope` when the entry has a `data` field, else `flat` (a stream written by both kinds).
 */
export type EntryCodec = 'envelope' | 'flat' | 'auto';

/** One stream and the patterns it carries. */
export interface StreamRoute {
  /** The Redis key of the stream. */
  stream: string;
  /**
   * Patterns carried by this stream: exact names, or a prefix ending with `*` (`ingestion.*`, `*`).
   * A stream with more than one pattern, or with a wildcard, is *shared*: entries are dispatched by `type`.
   */
  patterns: string[];
  /** How entries are decoded. Default `envelope`. */
  codec?: EntryCodec;
  /**
   * Shared streams only: what this service does with types it has no handler for. `skip` (default): acknowledge
   * and count them (they are other services' events); `dead-letter`: move them to the dead-letter stream.
   */
  unknownTypes?: 'skip' | 'dead-letter';
  /**
   * The stream this route's dead letters go to, when existing tools read another name than the default one
   * (`StreamKeys.deadLetter`; seed 004's consumers write `<stream>:dead_letter`). Give the admin and the CLI the
   * same name (`RedisStreamsAdmin` option `deadLetterStreams`, or `deadLetterStream` in the topology file). On Redis
   * Cluster it must hash to the stream's slot.
   */
  deadLetterStream?: string;
  /**
   * `false`: informational events (seed 002's `agent.completed`, `file.uploaded`) go over Redis pub/sub instead of a
   * stream — `stream` then names the channel: `emit` PUBLISHes, servers with a handler SUBSCRIBE. At most once: an
   * event nobody is subscribed to when it is published, or whose handler fails, is gone (no retry, no dead letter).
   * Default true.
   */
  durable?: boolean;
  /**
   * How producers write entries: `envelope` or `flat` (see {@link WriteCodec}). Default `flat` when `codec` is
   * `flat`, else `envelope`. Must be readable by this route's `codec` (`auto` reads both).
   */
  writeCodec?: WriteCodec;
  /**
   * `envelope` only: fields written beside the envelope, always present (seed 000's `job_id`, `metadata` JSON).
   * Default none.
   */
  extraFields?: ExtraFieldSpec[];
  /**
   * A payload path (`customerId`, `order.customer.id`): events with the same value there are handled one at a time,
   * in stream order, and a failing one parks its key — its later events wait behind its retry — while other keys keep
   * flowing. One consumer of the group reads the stream at a time (the others stand by and take over when it dies or
   * stops); within it, different keys run concurrently. An event without a scalar at the path is handled unordered.
   */
  orderingKey?: string;
  /**
   * Message TTL, producer side: events emitted on this route expire this long after their `timestamp` (ms). The
   * expiry travels as the `expires_at` header; a `RedisStreamsRecord`'s own `ttlMs` wins. Refused on a route written
   * `flat` (no headers) and on an informational one. Default: no expiry.
   */
  ttlMs?: number;
  /**
   * Message TTL, consumer side: an entry delivered after its `expires_at` is not handled but acknowledged and counted
   * (`ack`, default) or dead-lettered with reason `expired` (`dead-letter`). Applies to every entry carrying an
   * expiry, whoever wrote it.
   */
  onExpired?: OnExpired;
}

/** Pattern → stream routing, the same object for producers and consumers. */
export interface RoutingOptions {
  /** Streams that carry named patterns. Checked in order; the first matching route wins. */
  routes?: StreamRoute[];
  /** Streams of patterns that no route names are called `streamPrefix + pattern`. Default `''`. */
  streamPrefix?: string;
}

/** A route with its defaults filled in. */
export interface ResolvedRoute {
  stream: string;
  patterns: readonly string[];
  codec: EntryCodec;
  /** Dispatch by `type`; types nobody here handles are someone else's. */
  shared: boolean;
  unknownTypes: 'skip' | 'dead-letter';
  /** Set when the route names its dead-letter stream (else the default, StreamKeys.deadLetter). */
  deadLetterStream?: string;
  /** Set (to false) on informational routes: pub/sub channel `stream`, at most once. */
  durable?: false;
  /** How producers write entries. */
  writeCodec: WriteCodec;
  /** Extra fields of an `envelope` route (none for `flat`). */
  extraFields: readonly ResolvedExtraField[];
  /** The `orderingKey` path, split into its segments, when the route has one. */
  orderingKey?: readonly string[];
  /** Set when the route gives its events a TTL (ms). */
  ttlMs?: number;
  /** Set when expired entries are dead-lettered (else they are acknowledged). */
  onExpired?: 'dead-letter';
}

/** Validates routes and fills defaults. */
export function resolveRoutes(routes: StreamRoute[] | undefined): ResolvedRoute[] {
  const resolved = resolveEach(routes);
  const streams = new Set(resolved.map((route) => route.stream));
  const deadLetters = new Map<string, string>();
  for (const { stream, deadLetterStream } of resolved) {
    if (deadLetterStream === undefined) {
      continue;
    }
    const other = deadLetters.get(deadLetterStream);
    if (other !== undefined || streams.has(deadLetterStream)) {
      throw new InvalidOptionsError(
        `deadLetterStream "${deadLetterStream}" of stream "${stream}" is also ` +
          (other !== undefined ? `the dead-letter stream of "${other}"` : 'a routed stream'),
      );
    }
    deadLetters.set(deadLetterStream, stream);
  }
  return resolved;
}

function resolveEach(routes: StreamRoute[] | undefined): ResolvedRoute[] {
  const seen = new Set<string>();
  return (routes ?? []).map((route, index) => {
    if (!route || typeof route.stream !== 'string' || route.stream.length === 0) {
      throw new InvalidOptionsError(`routes[${index}].stream must be a non-empty string`);
    }
    if (seen.has(route.stream)) {
      throw new InvalidOptionsError(`routes[${index}]: stream "${route.stream}" is routed twice`);
    }
    seen.add(route.stream);
    if (!Array.isArray(route.patterns) || route.patterns.length === 0) {
      throw new InvalidOptionsError(`routes[${index}].patterns must list at least one pattern`);
    }
    for (const pattern of route.patterns) {
      if (!isNameOrPrefix(pattern)) {
        throw new InvalidOptionsError(
          `routes[${index}].patterns: "${String(pattern)}" must be a name or a prefix ending with a single *`,
        );
      }
    }
    const codec = route.codec ?? 'envelope';
    if (!['envelope', 'flat', 'auto'].includes(codec)) {
      throw new InvalidOptionsError(`routes[${index}].codec must be envelope, flat or auto`);
    }
    const shared = route.patterns.length > 1 || isWildcard(route.patterns[0]);
    const unknownTypes = route.unknownTypes ?? 'skip';
    if (unknownTypes !== 'skip' && unknownTypes !== 'dead-letter') {
      throw new InvalidOptionsError(`routes[${index}].unknownTypes must be skip or dead-letter`);
    }
    const { deadLetterStream } = route;
    if (
      deadLetterStream !== undefined &&
      (typeof deadLetterStream !== 'string' ||
        deadLetterStream.trim() === '' ||
        deadLetterStream !== deadLetterStream.trim() ||
        deadLetterStream === route.stream)
    ) {
      throw new InvalidOptionsError(
        `routes[${index}].deadLetterStream must be a stream name (no surrounding spaces) other than the route's stream`,
      );
    }
    if (route.durable !== undefined && typeof route.durable !== 'boolean') {
      throw new InvalidOptionsError(`routes[${index}].durable must be true or false`);
    }
    if (route.durable === false && deadLetterStream !== undefined) {
      throw new InvalidOptionsError(
        `routes[${index}]: an informational route (durable: false) has no dead letters; drop deadLetterStream`,
      );
    }
    const write = resolveWriteOptions(route, `routes[${index}]`, codec);
    return {
      stream: route.stream,
      patterns: [...route.patterns],
      codec,
      shared,
      unknownTypes,
      ...write,
      ...resolveExpiryOptions(route, `routes[${index}]`, codec, write.writeCodec),
      ...(deadLetterStream === undefined ? {} : { deadLetterStream }),
      ...(route.durable === false ? { durable: false as const } : {}),
      ...orderingOf(route.orderingKey, `routes[${index}]`, route.durable !== false),
    };
  });
}

function orderingOf(value: unknown, at: string, durable: boolean): { orderingKey?: readonly string[] } {
  const orderingKey = resolveOrderingKey(value, at, durable);
  return orderingKey === undefined ? {} : { orderingKey };
}
