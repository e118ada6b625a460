import type { MessageHandler } from '@nestjs/microservices';
import { ResolvedRoute } from '../options/routing-options';
import { StreamRouter, isWildcard } from '../routing/stream-router';

interface StreamHandlers {
  route: ResolvedRoute;
  exact: Map<string, MessageHandler>;
  /** `prefix*` handlers, longest prefix first. */
  wildcards: Array<{ prefix: string; handler: MessageHandler }>;
}

/**
 * Which streams this server reads and which handler gets an entry of a given pattern on a given stream:
 * the exact pattern first, then the most specific `prefix*` handler routed to that stream.
 */
export class HandlerTable {
  private readonly byStream = new Map<string, StreamHandlers>();

  /** Event handlers whose pattern is not a plain string, or request-response handlers: not served here. */
  readonly ignored: string[] = [];

  constructor(handlers: Map<string, MessageHandler>, router: StreamRouter) {
    for (const [pattern, handler] of handlers) {
      if (!handler.isEventHandler || pattern.startsWith('{')) {
        this.ignored.push(pattern);
        continue;
      }
      const route = router.routeForPattern(pattern);
      let entry = this.byStream.get(route.stream);
      if (!entry) {
        entry = { route, exact: new Map(), wildcards: [] };
        this.byStream.set(route.stream, entry);
      }
      if (isWildcard(pattern)) {
        entry.wildcards.push({ prefix: pattern.slice(0, -1), handler });
        entry.wildcards.sort((a, b) => b.prefix.length - a.prefix.length);
      } else {
        entry.exact.set(pattern, handler);
      }
    }
  }

  /** Streams with at least one handler, in a stable order. */
  streams(): string[] {
    return [...this.byStream.keys()];
  }

  /** The route of a stream this server reads. */
  route(stream: string): ResolvedRoute {
    const entry = this.byStream.get(stream);
    if (!entry) {
      throw new Error(`not reading stream "${stream}"`);
    }
    return entry.route;
  }

  /** The handler for `pattern` on `stream`, if any. */
  resolve(stream: string, pattern: string): MessageHandler | undefined {
    const entry = this.byStream.get(stream);
    if (!entry) {
      return undefined;
    }
    return entry.exact.get(pattern) ?? entry.wildcards.find((w) => pattern.startsWith(w.prefix))?.handler;
  }
}
