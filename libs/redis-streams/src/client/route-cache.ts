import { ResolvedRoute, RoutingOptions } from '../options/routing-options';
import { StreamRouter } from '../routing/stream-router';

/** Most patterns a client remembers the route of; the next new pattern starts the memory afresh. */
export const MAX_CACHED_ROUTES = 1000;

/**
 * The route of each pattern a client writes (its stream and how it is written), remembered for at most `max`
 * patterns at a time: a hit is one Map lookup, and patterns built from data (an id in the name) cannot grow memory
 * without bound.
 */
export class RouteCache {
  private readonly routes = new Map<string, ResolvedRoute>();
  private router: StreamRouter;

  constructor(
    private readonly options: RoutingOptions,
    private readonly max = MAX_CACHED_ROUTES,
  ) {
    this.router = new StreamRouter(options);
  }

  /** The stream `pattern` is written to (throws InvalidOptionsError for a wildcard no route carries). */
  streamFor(pattern: string): string {
    return this.routeFor(pattern).stream;
  }

  /** The route `pattern` is written on (throws InvalidOptionsError for a wildcard no route carries). */
  routeFor(pattern: string): ResolvedRoute {
    const cached = this.routes.get(pattern);
    if (cached !== undefined) {
      return cached;
    }
    if (this.routes.size >= this.max) {
      // StreamRouter memoises every pattern it resolves: a fresh one forgets them together with this map.
      this.routes.clear();
      this.router = new StreamRouter(this.options);
    }
    const route = this.router.routeForPattern(pattern);
    this.routes.set(pattern, route);
    return route;
  }

  /** Patterns remembered now. */
  get size(): number {
    return this.routes.size;
  }
}
