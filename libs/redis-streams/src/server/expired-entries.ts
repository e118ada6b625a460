import { ResolvedRoute } from '../options/routing-options';
import { DEAD_LETTER_REASONS } from '../wire/dead-letter-reasons';
import type { Delivery } from './delivery';
import type { Settlement } from './settlement';
import type { Telemetry } from './telemetry';

/**
 * Message TTL, consumer side: settles an entry delivered after its `expires_at` (`expiresAt`, ms; by this process's
 * clock) without a handler — acknowledged, or dead-lettered with reason `expired` on a route with
 * `onExpired: 'dead-letter'` — counts it and tells the `expired` listeners. The dispatcher checks every delivery (the
 * first, retries, deferrals and reclaims alike) with `expiryOf` (wire/expiry.ts) before it calls a handler.
 */
export async function settleExpired(
  delivery: Delivery,
  pattern: string,
  expiresAt: number,
  route: ResolvedRoute,
  settlement: Settlement,
  telemetry: Telemetry,
): Promise<void> {
  const action = route.onExpired === 'dead-letter' ? 'dead-letter' : 'ack';
  const expiry = new Date(expiresAt).toISOString();
  telemetry.expired({ stream: delivery.stream, id: delivery.originalId, pattern, expiresAt: expiry, action });
  if (action === 'ack') {
    settlement.skip();
    return;
  }
  await settlement.reject({
    reason: DEAD_LETTER_REASONS.expired,
    errorClass: 'EventExpired',
    message: `expired at ${expiry}, delivered ${Date.now() - expiresAt} ms later (delivery ${delivery.deliveryCount})`,
  });
}
