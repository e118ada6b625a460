import type { IdempotentEffects } from './idempotent-effects';

/**
 * Per-delivery facilities a handler reaches through its {@link RedisStreamsContext} beyond the entry itself, each
 * present only when the feature applies to this delivery (slot 12 of the context). One object, so features can be
 * added without moving the context's slots.
 */
export interface DeliveryFeatures {
  /** The handler's circuit when it has a circuit breaker: `half-open` when this delivery is a probe. */
  circuitState?: 'closed' | 'half-open';
  /** The effects of an idempotent handler's delivery (see {@link RedisStreamsContext.getEffects}). */
  effects?: IdempotentEffects;
}
