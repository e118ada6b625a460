import type { MessageHandler } from '@nestjs/microservices';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import { DeliveryPolicy, policyOptionsOfExtras, resolveDeliveryPolicy } from '../options/delivery-policy';
import { ResolvedRoute } from '../options/routing-options';
import { StreamKeys } from '../wire/stream-keys';
import { StreamRouter } from '../routing/stream-router';
import { isWildcard, wildcardPrefix } from '../wire/name-pattern';

/** A handler and the delivery policy it runs under. */
export interface BoundHandler {
  handler: MessageHandler;
  /** The pattern the handler was registered with (`order.created`, `ingestion.*`). */
  pattern: string;
  policy: DeliveryPolicy;
  /** True for a `@MessagePattern` handler: its entries are requests, answered on the caller's reply stream. */
  request: boolean;
}

interface StreamHandlers {
  route: ResolvedRoute;
  exact: Map<string, BoundHandler>;
  /** `prefix*` handlers, longest prefix first. */
  wildcards: Array<{ prefix: string; bound: BoundHandler }>;
}

/** Where a read key (a stream, or a group's retry lane of it) belongs. */
export interface ReadKey {
  /** The source stream. */
  stream: string;
  /** True for the group's retry lane. */
  lane: boolean;
}

/**
 * Which keys this server reads (each stream with a handler, plus the group's retry lane of it) and which handler,
 * under which policy, gets an entry of a pattern on a stream: the exact pattern first, then the most specific
 * `prefix*` handler routed to that stream.
 */
export class HandlerTable {
  private readonly byStream = new Map<string, StreamHandlers>();
  /** Informational routes (`durable: false`): pub/sub channel → its handlers. */
  private readonly byChannel = new Map<string, StreamHandlers>();
  private readonly keys = new Map<string, ReadKey>();

  /** Object patterns, and `@MessagePattern` handlers on informational routes: not served here. */
  readonly ignored: string[] = [];
  /** Handlers of streams whose policy has a circuit breaker, with their stream and declared pattern. */
  readonly withCircuitBreaker: Array<{ stream: string; pattern: string; bound: BoundHandler }> = [];

  constructor(
    handlers: Map<string, MessageHandler>,
    router: StreamRouter,
    group: string,
    defaults: DeliveryPolicy,
  ) {
    for (const [pattern, handler] of handlers) {
      if (pattern.startsWith('{')) {
        this.ignored.push(pattern);
        continue;
      }
      const route = router.routeForPattern(pattern);
      const channel = route.durable === false;
      if (channel && !handler.isEventHandler) {
        this.ignored.push(pattern); // a request needs a durable route: pub/sub would lose it unseen
        continue;
      }
      let entry = channel ? this.byChannel.get(route.stream) : this.byStream.get(route.stream);
      if (!entry && channel) {
        entry = { route, exact: new Map(), wildcards: [] };
        this.byChannel.set(route.stream, entry);
      } else if (!entry) {
        StreamKeys.assertUsable(route.stream);
        const lane = StreamKeys.retryLane(route.stream, group);
        // `orders` and `{orders}` derive the same keys: one server reading both would mix their retries.
        const other = this.keys.get(lane);
        if (other) {
          throw new InvalidOptionsError(
            `streams "${other.stream}" and "${route.stream}" share their dead-letter and retry keys: route only one`,
          );
        }
        entry = { route, exact: new Map(), wildcards: [] };
        this.byStream.set(route.stream, entry);
        this.keys.set(route.stream, { stream: route.stream, lane: false });
        this.keys.set(lane, { stream: route.stream, lane: true });
      }
      const where = `@${handler.isEventHandler ? 'EventPattern' : 'MessagePattern'}('${pattern}')`;
      const options = policyOptionsOfExtras(handler.extras, where);
      const bound = {
        handler,
        pattern,
        request: !handler.isEventHandler,
        policy: resolveDeliveryPolicy(defaults, options, where),
      };
      if (bound.policy.circuitBreaker && !channel) {
        this.withCircuitBreaker.push({ stream: route.stream, pattern, bound });
      }
      if (channel && bound.policy.idempotent && options?.idempotent !== undefined) {
        throw new InvalidOptionsError(
          `${where} is idempotent, but its route is informational (durable: false): nothing is acknowledged there`,
        );
      }
      if (isWildcard(pattern)) {
        entry.wildcards.push({ prefix: wildcardPrefix(pattern), bound });
        entry.wildcards.sort((a, b) => b.prefix.length - a.prefix.length);
      } else {
        entry.exact.set(pattern, bound);
      }
    }
  }

  /** Source streams with at least one handler, in a stable order. */
  streams(): string[] {
    return [...this.byStream.keys()];
  }

  /** Pub/sub channels of informational routes (`durable: false`) with at least one handler. */
  channels(): string[] {
    return [...this.byChannel.keys()];
  }

  /** The route of a channel this server subscribes to. */
  channelRoute(channel: string): ResolvedRoute {
    const entry = this.byChannel.get(channel);
    if (!entry) {
      throw new Error(`not subscribed to channel "${channel}"`);
    }
    return entry.route;
  }

  /** The handler for `pattern` on informational `channel`, if any. */
  resolveChannel(channel: string, pattern: string): BoundHandler | undefined {
    const entry = this.byChannel.get(channel);
    return (
      entry && (entry.exact.get(pattern) ?? entry.wildcards.find((w) => pattern.startsWith(w.prefix))?.bound)
    );
  }

  /** Every key to read: the streams and this group's retry lanes. */
  readKeys(): string[] {
    return [...this.keys.keys()];
  }

  /** What a read key is. */
  readKey(key: string): ReadKey {
    const found = this.keys.get(key);
    if (!found) {
      throw new Error(`not reading "${key}"`);
    }
    return found;
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
  resolve(stream: string, pattern: string): BoundHandler | undefined {
    const entry = this.byStream.get(stream);
    if (!entry) {
      return undefined;
    }
    return entry.exact.get(pattern) ?? entry.wildcards.find((w) => pattern.startsWith(w.prefix))?.bound;
  }
}
