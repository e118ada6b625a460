import { InvalidOptionsError } from '../errors/redis-streams.error';
import { ResolvedRoute, RoutingOptions, resolveRoutes } from '../options/routing-options';
import { isWildcard, specMatches } from '../wire/name-pattern';

/**
 * Maps patterns to streams and streams to their routes, for producers and consumers alike,
 * so both sides agree on where an event lives.
 */
export class StreamRouter {
  private readonly routes: ResolvedRoute[];
  private readonly prefix: string;
  private readonly cache = new Map<string, ResolvedRoute>();

  constructor(options: RoutingOptions) {
    this.routes = resolveRoutes(options.routes);
    this.prefix = options.streamPrefix ?? '';
  }

  /** The route of a pattern: the first configured route that carries it, else its own single-pattern stream. */
  routeForPattern(pattern: string): ResolvedRoute {
    const cached = this.cache.get(pattern);
    if (cached) {
      return cached;
    }
    const route =
      this.routes.find((candidate) => candidate.patterns.some((spec) => specMatches(spec, pattern))) ??
      this.ownStream(pattern);
    this.cache.set(pattern, route);
    return route;
  }

  /** The stream key a pattern is written to and read from. */
  streamFor(pattern: string): string {
    return this.routeForPattern(pattern).stream;
  }

  private ownStream(pattern: string): ResolvedRoute {
    if (isWildcard(pattern)) {
      throw new InvalidOptionsError(
        `pattern "${pattern}" has a wildcard but no route carries it: add a route whose patterns include it`,
      );
    }
    return {
      stream: `${this.prefix}${pattern}`,
      patterns: [pattern],
      codec: 'envelope',
      shared: false,
      unknownTypes: 'skip',
      writeCodec: 'envelope',
      extraFields: [],
    };
  }
}
