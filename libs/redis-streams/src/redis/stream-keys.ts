/**
 * Every key derived from a stream, built in one place. Derived keys hash to the stream's cluster slot: a stream
 * named `orders` (no hash tag) gets `{orders}:…`, a stream that already has a tag (`{shop}:orders`) keeps it, so the
 * Lua scripts that touch a stream and its derived keys stay single-slot on Redis Cluster.
 */
export class StreamKeys {
  /** The prefix of every key derived from `stream`. */
  static base(stream: string): string {
    const open = stream.indexOf('{');
    const close = open === -1 ? -1 : stream.indexOf('}', open + 1);
    return close > open + 1 ? stream : `{${stream}}`;
  }

  /** The dead-letter stream of a source stream (one per stream, all groups). */
  static deadLetter(stream: string): string {
    return `${StreamKeys.base(stream)}:dlq`;
  }

  /** The log of what operators did to the dead-letter stream (redrives, purges). */
  static deadLetterLog(stream: string): string {
    return `${StreamKeys.deadLetter(stream)}:log`;
  }

  /** The retry lane (a stream read by `group` only) where due retries of `group` are delivered. */
  static retryLane(stream: string, group: string): string {
    return `${StreamKeys.base(stream)}:retry:${group}`;
  }

  /** The schedule (sorted set by due time) of `group`'s retries on `stream`. */
  static retrySchedule(stream: string, group: string): string {
    return `${StreamKeys.retryLane(stream, group)}:due`;
  }

  /** The lease that lets one consumer of `group` promote due retries at a time. */
  static promoterLease(stream: string, group: string): string {
    return `${StreamKeys.retryLane(stream, group)}:promoter`;
  }

  /** The source stream of a derived key built here (`{orders}:dlq` → `orders`), or undefined for other keys. */
  static sourceOf(key: string): string | undefined {
    const match = /^(.*?)(:dlq(:log)?|:retry:.*)$/.exec(key);
    if (!match || !match[1]) {
      return undefined;
    }
    const base = match[1];
    const wrapped = /^\{([^{}]+)\}$/.exec(base);
    return wrapped ? wrapped[1] : base.includes('{') ? base : undefined;
  }
}
