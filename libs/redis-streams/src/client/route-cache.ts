import { RoutingOptions } from '../options/routing-options';
import { StreamRouter } from '../routing/stream-router';

/** Most patterns a client remembers the stream of; the next new pattern starts the memory afresh. */
export const MAX_CACHED_ROUTES = 1000;

/**
 * The stream of each pattern a client writes, remembered for at most `max` patterns at a time: a hit is one Map
 * lookup, and patterns built from data (an id in the name) cannot grow memory without bound.
 */
export class RouteCache {
  private readonly streams = new Map<string, string>();
  private router: StreamRouter;

  constructor(
    private readonly options: RoutingOptions,
    private readonly max = MAX_CACHED_ROUTES,
  ) {
    this.router = new StreamRouter(options);
  }

  /** The stream `pattern` is written to (throws InvalidOptionsError for a wildcard no route carries). */
  streamFor(pattern: string): string {
    const cached = this.streams.get(pattern);
    if (cached !== undefined) {
      return cached;
    }
    if (this.streams.size >= this.max) {
      // StreamRouter memoises every pattern it resolves: a fresh one forgets them together with this map.
      this.streams.clear();
      this.router = new StreamRouter(this.options);
    }
    const stream = this.router.streamFor(pattern);
    this.streams.set(pattern, stream);
    return stream;
  }

  /** Patterns remembered now. */
  get size(): number {
    return this.streams.size;
  }
}
