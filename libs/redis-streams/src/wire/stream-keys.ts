import { createHash } from 'node:crypto';
import { InvalidOptionsError } from '../errors/redis-streams.error';

/**
 * The hash tag Redis Cluster hashes `key` by: the text between the first `{` and the first `}` after it, when that
 * text is not empty; undefined when the whole key is hashed.
 */
function hashTag(key: string): { open: number; close: number } | undefined {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? { open, close } : undefined;
}

/** Why `stream` cannot be wrapped in a tag that hashes like the name itself, or undefined when it can. */
function slotProblem(stream: string): string | undefined {
  return !hashTag(stream) && stream.includes('}')
    ? `stream "${stream}" has a "}" but no hash tag: its dead-letter stream and retry keys cannot share its ` +
        'cluster slot; rename it without "}" or give it a tag ({tag}…)'
    : undefined;
}

/**
 * A group or consumer name as one key segment: `%` and `:` percent-encoded, so a name can never end its segment
 * early (`g:due` would otherwise be group `g`'s schedule). Names without those two characters are unchanged, which
 * keeps the keys of existing deployments.
 */
function segment(name: string): string {
  return name.replace(/[%:]/g, (char) => (char === '%' ? '%25' : '%3A'));
}

/** Starts the name of every client instance's reply stream. */
const REPLY_PREFIX = 'nrs:reply:';

/** Ends the name of a stream's dead-letter stream. */
const DEAD_LETTER_SUFFIX = ':dlq';
/** Segment of the producers' idempotency markers (`<base>:idem:<key>`). */
const EMIT_MARKER = ':idem:';
/** Segment of the idempotent handlers' markers (`<base>:handled:<group>:<pattern>:<event id>`). */
const HANDLED_MARKER = ':handled:';
/** Longest event id a handled marker spells out; a longer one (any producer can write one) is digested. */
const MAX_MARKER_EVENT_ID = 200;

/**
 * Every key derived from a stream, built in one place. Derived keys hash to the stream's cluster slot: a stream
 * named `orders` (no hash tag) gets `{orders}:…`, a stream that already has a tag (`{shop}:orders`) keeps it, so the
 * Lua scripts that touch a stream and its derived keys stay single-slot on Redis Cluster. Group names are escaped
 * (see {@link StreamKeys.retryLane}) so no two (stream, group, kind) triples share a key.
 */
export class StreamKeys {
  /**
   * Why `stream` cannot have derived keys, or undefined when it can: a name with a `}` but no hash tag (`a}b`,
   * `x{}y`) cannot be wrapped in one that hashes like the name itself, and a name that is itself a derived key
   * (`{orders}:dlq`) would be read as one by the tools.
   */
  static problemOf(stream: string): string | undefined {
    const slot = slotProblem(stream);
    if (slot !== undefined) {
      return slot;
    }
    const source = StreamKeys.sourceOf(stream);
    if (source !== undefined) {
      return `stream "${stream}" is named like a key derived from stream "${source}" (dead letters or retries); rename it`;
    }
    return undefined;
  }

  /** Throws InvalidOptionsError naming `stream` when it cannot have derived keys (see {@link problemOf}). */
  static assertUsable(stream: string): void {
    const problem = StreamKeys.problemOf(stream);
    if (problem !== undefined) {
      throw new InvalidOptionsError(problem);
    }
  }

  /** The prefix of every key derived from `stream`. Throws InvalidOptionsError for a name with `}` but no tag. */
  static base(stream: string): string {
    if (hashTag(stream)) {
      return stream;
    }
    const problem = slotProblem(stream);
    if (problem !== undefined) {
      throw new InvalidOptionsError(problem);
    }
    return `{${stream}}`;
  }

  /**
   * The dead-letter stream of a source stream (one per stream, all groups): `named` when its route names one
   * (`deadLetterStream`, e.g. the `<stream>:dead_letter` existing tools read), else `{stream}:dlq`.
   */
  static deadLetter(stream: string, named?: string): string {
    return named ?? `${StreamKeys.base(stream)}${DEAD_LETTER_SUFFIX}`;
  }

  /** A SCAN MATCH pattern that finds every dead-letter stream (and may find more: check each with {@link sourceOf}). */
  static deadLetterMatch(): string {
    return `*${DEAD_LETTER_SUFFIX}`;
  }

  /** The dead-letter stream `named` gives `stream` (an own key of the map only), or undefined. */
  static namedDeadLetter(
    named: Readonly<Record<string, string>> | undefined,
    stream: string,
  ): string | undefined {
    return named && Object.prototype.hasOwnProperty.call(named, stream) ? named[stream] : undefined;
  }

  /** The log of what operators did to the dead-letter stream (redrives, purges); `named` as in {@link deadLetter}. */
  static deadLetterLog(stream: string, named?: string): string {
    return `${StreamKeys.deadLetter(stream, named)}:log`;
  }

  /**
   * The retry lane (a stream read by `group` only) where due retries of `group` are delivered. `%` and `:` in the
   * group name are percent-encoded in the key (`g:due` → `…:retry:g%3Adue`).
   */
  static retryLane(stream: string, group: string): string {
    return `${StreamKeys.base(stream)}:retry:${segment(group)}`;
  }

  /** The schedule (sorted set by due time) of `group`'s retries on `stream`. */
  static retrySchedule(stream: string, group: string): string {
    return `${StreamKeys.retryLane(stream, group)}:due`;
  }

  /** The lease that lets one consumer of `group` promote due retries at a time. */
  static promoterLease(stream: string, group: string): string {
    return `${StreamKeys.retryLane(stream, group)}:promoter`;
  }

  /**
   * The lease naming the one consumer of `group` that reads `stream` when its route has an `orderingKey` (the others
   * stand by): `<base>:order:<group>`, the group escaped as in {@link retryLane}.
   */
  static orderingLease(stream: string, group: string): string {
    return `${StreamKeys.base(stream)}:order:${segment(group)}`;
  }

  /**
   * The lease that makes a consumer name of `group` belong to one live process: `nrs:consumer:<group>:<consumer>`,
   * both names escaped like the group in {@link retryLane}. Not tied to a stream, so it carries no hash tag.
   */
  static consumerLease(group: string, consumer: string): string {
    return `nrs:consumer:${segment(group)}:${segment(consumer)}`;
  }

  /**
   * The reply stream of one client instance (`nrs:reply:<instance>`): request-reply answers to that instance land
   * there. Not derived from a stream, so no hash tag; servers answer only to keys under this prefix.
   */
  static replyStream(instance: string): string {
    return `${REPLY_PREFIX}${segment(instance)}`;
  }

  /** True for a key {@link replyStream} can return: the only keys a server writes a reply to. */
  static isReplyStream(key: string): boolean {
    return key.startsWith(REPLY_PREFIX) && key.length > REPLY_PREFIX.length;
  }

  /** A SCAN MATCH pattern of every reply stream. */
  static replyStreamMatch(): string {
    return `${REPLY_PREFIX}*`;
  }

  /**
   * The marker of an idempotent emit with `key` to `stream`: a string holding the first entry's id while the
   * window lasts. The key is escaped like a group name (`%` → `%25`, `:` → `%3A`).
   */
  static emitMarker(stream: string, key: string): string {
    return `${StreamKeys.base(stream)}${EMIT_MARKER}${segment(key)}`;
  }

  /**
   * The marker saying `group`'s idempotent handler of `pattern` has handled the event `eventId` on `stream` (a
   * string, expiring): `…:handled:<group>:<pattern>:<event id>`; for an event id over 200 characters
   * `…:digest:<its SHA-256, hex>`, for an entry without one `…:entry:<entry id>`. Every name is escaped like a group
   * name, so the three forms never meet.
   */
  static handledMarker(
    stream: string,
    group: string,
    pattern: string,
    eventId: string | undefined,
    entryId: string,
  ): string {
    const event =
      eventId === undefined
        ? `entry:${entryId}`
        : eventId.length > MAX_MARKER_EVENT_ID
          ? `digest:${createHash('sha256').update(eventId, 'utf8').digest('hex')}`
          : segment(eventId);
    return `${StreamKeys.base(stream)}${HANDLED_MARKER}${segment(group)}:${segment(pattern)}:${event}`;
  }

  /** The source stream of a derived key built here (`{orders}:dlq` → `orders`), or undefined for other keys. */
  static sourceOf(key: string): string | undefined {
    const tag = hashTag(key);
    if (!tag) {
      return undefined; // every derived key has a tag: the stream's own, or the one wrapped around it
    }
    // The stream ends at the first derived-key suffix after its tag; a retry lane's group may be unescaped
    // (keys written before group names were escaped), so anything after `:retry:` counts, as after a marker's
    // `:idem:` or `:handled:` and an ordering lease's `:order:`.
    const match = /^(.*?)(:dlq(:log)?|:retry:.+|:order:.+|:idem:.+|:handled:.+)$/s.exec(
      key.slice(tag.close + 1),
    );
    if (!match) {
      return undefined;
    }
    const base = key.slice(0, tag.close + 1) + match[1];
    return tag.open === 0 && match[1] === '' && !key.slice(1, tag.close).includes('{')
      ? key.slice(1, tag.close)
      : base;
  }
}
