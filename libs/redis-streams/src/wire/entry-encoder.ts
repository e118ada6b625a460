import { InvalidEventError } from '../errors/redis-streams.error';
import type { ResolvedRoute } from '../options/routing-options';
import { EncodeLimits, EnvelopeMeta, encodeEnvelope } from './envelope';
import { encodeExtraFields } from './extra-fields';
import { encodeFlat } from './flat-encoder';

/** What goes into one entry besides the payload, as the producer gave it. */
export interface EntryMeta extends EnvelopeMeta {
  /** Values of the route's extra fields, by field name (`RedisStreamsRecord` option `fields`). */
  fields?: Readonly<Record<string, unknown>>;
  /** True when the caller set `eventId` or `headers` itself (a flat route has no field for them: refused). */
  explicit?: boolean;
}

/** The route's side of encoding (a resolved route has all of it). */
export type EncodeRoute = Pick<
  ResolvedRoute,
  'stream' | 'shared' | 'codec' | 'writeCodec' | 'extraFields' | 'durable'
>;

/**
 * The field/value list of one XADD on `route`, in the route's write codec: the envelope followed by the route's extra
 * fields, or the flat payload. Throws {@link InvalidEventError} (and nothing is written) for what cannot be encoded.
 * On a flat route, automatic headers (the client's `source`, the active trace) are not written; an event id, headers,
 * extra-field values or a TTL the caller set explicitly are refused rather than silently dropped (a TTL on an
 * informational route too).
 */
export function encodeEntry(
  route: EncodeRoute,
  pattern: string,
  data: unknown,
  meta: EntryMeta,
  limits: EncodeLimits,
): string[] {
  if (meta.ttlMs !== undefined && (route.writeCodec === 'flat' || route.durable === false)) {
    throw new InvalidEventError(
      `stream "${route.stream}" ${route.durable === false ? 'is informational (delivered at once or never)' : 'is written flat (no headers)'}: a ttlMs has no place there`,
    );
  }
  if (route.writeCodec === 'flat') {
    if (meta.explicit || (meta.fields !== undefined && Object.keys(meta.fields).length > 0)) {
      throw new InvalidEventError(
        `stream "${route.stream}" is written flat: an event id, headers or extra fields have no place there (put them in the payload)`,
      );
    }
    return encodeFlat(pattern, data, { shared: route.shared, readAuto: route.codec === 'auto' }, limits);
  }
  const fields = encodeEnvelope(pattern, data, meta, limits);
  if (route.extraFields.length === 0) {
    if (meta.fields !== undefined && Object.keys(meta.fields).length > 0) {
      // Same refusal as encodeExtraFields gives for an undeclared name.
      encodeExtraFields(route.extraFields, data, meta.fields, limits);
    }
    return fields;
  }
  for (const value of encodeExtraFields(route.extraFields, data, meta.fields, limits)) {
    fields.push(value);
  }
  return fields;
}
