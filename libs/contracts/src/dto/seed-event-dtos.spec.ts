import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { SEED_EVENT_DTOS, SeedEventType } from './seed-event-dtos';

/** The constraint names per property, as the publish endpoint validates (whitelist + forbidNonWhitelisted). */
async function constraintsOf(type: SeedEventType, payload: object): Promise<Record<string, string[]>> {
  const dto: new () => object = SEED_EVENT_DTOS[type];
  const errors = await validate(plainToInstance(dto, payload), {
    whitelist: true,
    forbidNonWhitelisted: true,
  });
  return Object.fromEntries(errors.map((error) => [error.property, Object.keys(error.constraints ?? {})]));
}

const VALID: Record<SeedEventType, object> = {
  'email.received': { email_id: 'abc123', category: 'medical', priority: 'high', has_attachments: true },
  'document.processed': { document_id: 'd1', source: 'mail', chunk_count: 3 },
  'pipeline.error': { pipeline: 'ingest', error: 'timeout', stage: 'ocr', retryable: true },
  'service.down': { service: 'ocr', reason: 'no heartbeat', detected_at: '2026-02-05T10:00:00Z' },
  'trust.level.changed': { module: 'email', action: 'classify', old_level: 'propose', new_level: 'auto' },
  'action.corrected': { action_id: 'a1', correction: 'category is finance' },
  'action.validated': { action_id: 'a1', approved: false, validated_by: 'owner' },
};

describe('seed-002 event DTOs', () => {
  it('accept a valid payload of every type, with or without metadata', async () => {
    for (const [type, payload] of Object.entries(VALID) as Array<[SeedEventType, object]>) {
      expect({ type, errors: await constraintsOf(type, payload) }).toEqual({ type, errors: {} });
      expect(await constraintsOf(type, { ...payload, metadata: { n8n: { execution: 1 } } })).toEqual({});
    }
  });

  it('refuse unknown keys, missing required ones, wrong types, arrays as metadata', async () => {
    for (const [type, payload] of Object.entries(VALID) as Array<[SeedEventType, object]>) {
      expect((await constraintsOf(type, { ...payload, spam: 1 })).spam).toEqual(['whitelistValidation']);
      expect((await constraintsOf(type, { ...payload, metadata: [1] })).metadata).toEqual(['isObject']);
      expect(Object.keys(await constraintsOf(type, {})).length).toBeGreaterThan(0);
    }
    expect(
      await constraintsOf('email.received', { ...VALID['email.received'], has_attachments: 'true' }),
    ).toEqual({
      has_attachments: ['isBoolean'],
    });
    expect(
      await constraintsOf('trust.level.changed', { ...VALID['trust.level.changed'], new_level: 'total' }),
    ).toEqual({ new_level: ['isIn'] });
    expect(
      await constraintsOf('pipeline.error', { ...VALID['pipeline.error'], error: 'é'.repeat(2049) }),
    ).toEqual({ error: ['maxUtf8Bytes'] });
  });
});
