import { InvalidEventError } from '../errors/redis-streams.error';
import { EmitIdempotency, emitIdempotencyOf } from '../options/idempotency-options';
import type { ResolvedRoute } from '../options/routing-options';
import type { RedisStreamsRecordOptions } from './redis-streams.record';

/**
 * The idempotency of one emit on `route` (undefined without an `idempotencyKey`), validated: InvalidEventError (the
 * emit writes nothing) for a bad key or window, and on a `flat` route (no `event_id` to carry the key to consumers)
 * or an informational one (`durable: false`: nothing is stored to deduplicate against).
 */
export function emitIdempotency(
  route: Pick<ResolvedRoute, 'stream' | 'writeCodec' | 'durable'>,
  options: RedisStreamsRecordOptions | undefined,
  defaultWindowMs: number,
): EmitIdempotency | undefined {
  const idempotency = emitIdempotencyOf(options, defaultWindowMs);
  if (idempotency === undefined) {
    return undefined;
  }
  if (route.durable === false) {
    throw new InvalidEventError(
      `"${route.stream}" is an informational route (durable: false): an idempotencyKey has nothing to deduplicate against`,
    );
  }
  if (route.writeCodec === 'flat') {
    throw new InvalidEventError(
      `stream "${route.stream}" is written flat: an idempotencyKey needs the envelope (its event_id carries the key to consumers)`,
    );
  }
  return idempotency;
}
