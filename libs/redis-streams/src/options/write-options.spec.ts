import { InvalidOptionsError } from '../errors/redis-streams.error';
import { resolveClientOptions } from './client-options';
import { StreamRoute, resolveRoutes } from './routing-options';
import { resolveServerOptions } from './server-options';

const one = (route: Partial<StreamRoute>): StreamRoute => ({ stream: 's', patterns: ['p'], ...route });
const resolve = (route: Partial<StreamRoute>) => resolveRoutes([one(route)])[0];

describe('route write options', () => {
  it('default: envelope without extra fields, flat on a route read flat', () => {
    expect(resolve({})).toMatchObject({ writeCodec: 'envelope', extraFields: [] });
    expect(resolve({ codec: 'auto' })).toMatchObject({ writeCodec: 'envelope' });
    expect(resolve({ codec: 'flat' })).toMatchObject({ writeCodec: 'flat', extraFields: [] });
    expect(resolve({ codec: 'auto', writeCodec: 'flat' })).toMatchObject({ writeCodec: 'flat' });
  });

  it('fills extra field defaults and encodes the default once', () => {
    expect(
      resolve({
        extraFields: [
          { field: 'job_id', fromPayload: 'jobId' },
          { field: 'metadata', format: 'json' },
          { field: 'source', default: 'nest' },
          { field: 'tags', format: 'json', default: ['a'] },
        ],
      }).extraFields,
    ).toEqual([
      { field: 'job_id', fromPayload: 'jobId', format: 'text', defaultText: '' },
      { field: 'metadata', fromPayload: undefined, format: 'json', defaultText: '{}' },
      { field: 'source', fromPayload: undefined, format: 'text', defaultText: 'nest' },
      { field: 'tags', fromPayload: undefined, format: 'json', defaultText: '["a"]' },
    ]);
  });

  it.each<[string, Partial<StreamRoute>, RegExp]>([
    [
      'an unknown write codec',
      { writeCodec: 'xml' as never },
      /routes\[0\]\.writeCodec must be envelope or flat/,
    ],
    ['flat on a route read as envelope', { writeCodec: 'flat' }, /writeCodec flat needs codec flat or auto/],
    [
      'envelope on a route read flat',
      { codec: 'flat', writeCodec: 'envelope' },
      /writeCodec envelope needs codec envelope or auto/,
    ],
    [
      'extra fields on a flat route',
      { codec: 'flat', extraFields: [{ field: 'a' }] },
      /extraFields need writeCodec envelope/,
    ],
    ['extra fields not an array', { extraFields: {} as never }, /extraFields must be an array/],
    [
      'an empty field name',
      { extraFields: [{ field: '' }] },
      /extraFields\[0\]\.field must be a non-empty string/,
    ],
    ['an envelope field', { extraFields: [{ field: 'data' }] }, /field "data" is an envelope field/],
    ['a dead-letter field', { extraFields: [{ field: 'dlq_reason' }] }, /reserved for dead-letter records/],
    ['a retry-lane field', { extraFields: [{ field: 'retry_deliveries' }] }, /reserved for retry lanes/],
    ['__proto__', { extraFields: [{ field: '__proto__' }] }, /prototype pollution/],
    [
      'a field twice',
      { extraFields: [{ field: 'a' }, { field: 'a' }] },
      /extraFields\[1\]: field "a" is listed twice/,
    ],
    [
      'an empty fromPayload',
      { extraFields: [{ field: 'a', fromPayload: '' }] },
      /fromPayload must be a non-empty/,
    ],
    [
      'an unknown format',
      { extraFields: [{ field: 'a', format: 'yaml' as never }] },
      /format must be text or json/,
    ],
    [
      'a default JSON cannot write',
      { extraFields: [{ field: 'a', format: 'json', default: BigInt(1) as never }] },
      /extraFields\[0\]\.default: .*cannot be serialised/,
    ],
  ])('refuses %s with a clear InvalidOptionsError', (_what, route, message) => {
    expect(() => resolve(route)).toThrow(InvalidOptionsError);
    expect(() => resolve(route)).toThrow(message);
  });

  it('producers and consumers validate the same routes (one place)', () => {
    const routes = [one({ writeCodec: 'flat' })];
    expect(() => resolveClientOptions({ routes })).toThrow(/writeCodec flat needs codec flat or auto/);
    expect(() => resolveServerOptions({ group: 'g', routes })).toThrow(
      /writeCodec flat needs codec flat or auto/,
    );
  });
});
