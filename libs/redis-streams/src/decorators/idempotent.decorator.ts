import { POLICY_EXTRAS_KEY } from '../options/delivery-policy';
import { IDEMPOTENT_EXTRAS_KEY, IdempotentOptions, resolveIdempotent } from '../options/idempotency-options';

/** Where Nest keeps `@EventPattern` extras (its PATTERN_EXTRAS_METADATA; the spec checks they match). */
export const PATTERN_EXTRAS_METADATA = 'microservices:pattern_extras';

/**
 * Makes an `@EventPattern` handler idempotent for its group: an event (by `event_id`, else by entry id) whose
 * handling this group recorded within `ttlMs` (default 24 h) is acknowledged without running the handler, and the
 * Redis writes it queues with `ctx.getEffects()` are applied in one atomic step with that record and the `XACK`.
 * Same as `deliveryPolicy({ idempotent: { ttlMs } })`; put it above or below `@EventPattern`.
 *
 * ```ts
 * @Idempotent({ ttlMs: 7 * 24 * 3600_000 })
 * @EventPattern('payment.captured')
 * onCaptured(@Payload() p: Captured, @Ctx() ctx: RedisStreamsContext) {
 *   ctx.getEffects().call('HINCRBY', `{payment.captured}:totals`, p.account, p.cents);
 * }
 * ```
 */
export function Idempotent(options: IdempotentOptions = {}): MethodDecorator {
  const idempotent = resolveIdempotent(options, undefined, '@Idempotent()') ?? {};
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object;
    const extras = (Reflect.getMetadata(PATTERN_EXTRAS_METADATA, method) ?? {}) as Record<string, unknown>;
    const policy: unknown = extras[POLICY_EXTRAS_KEY] ?? {};
    Reflect.defineMetadata(
      PATTERN_EXTRAS_METADATA,
      {
        ...extras,
        // Below @EventPattern (applied first) this copy is replaced when the pattern carries a deliveryPolicy();
        // the key beside it survives. The handler table reads both and refuses a policy's own, different setting.
        [POLICY_EXTRAS_KEY]: withIdempotent(policy, idempotent),
        [IDEMPOTENT_EXTRAS_KEY]: idempotent,
      },
      method,
    );
    return descriptor;
  };
}

/** `policy` with `idempotent` set unless it has its own (or is not an object: the handler table refuses it). */
function withIdempotent(policy: unknown, idempotent: IdempotentOptions): unknown {
  if (policy === null || typeof policy !== 'object') {
    return policy;
  }
  const own = (policy as { idempotent?: unknown }).idempotent;
  return { ...policy, idempotent: own ?? idempotent };
}
