import { plainToInstance } from 'class-transformer';
import { ValidationError, validate } from 'class-validator';
import { MAX_CONTENT_BYTES } from '../limits';
import { SOURCE_TYPES } from '../source-types';
import { CreateIngestionDto } from './create-ingestion.dto';

const valid = {
  sourceUri: 'https://example.com/docs/page',
  sourceType: 'web',
  content: 'Some text to ingest.',
  metadata: { lang: 'en', tags: ['a'] },
};

/** The constraint messages per property, as the ValidationPipe (whitelist + forbidNonWhitelisted) sees them. */
async function errorsOf(body: object): Promise<Record<string, string[]>> {
  const errors: ValidationError[] = await validate(plainToInstance(CreateIngestionDto, body), {
    whitelist: true,
    forbidNonWhitelisted: true,
  });
  return Object.fromEntries(errors.map((e) => [e.property, Object.values(e.constraints ?? {})]));
}

describe('CreateIngestionDto', () => {
  it('accepts a valid body, with or without metadata, for every source type', async () => {
    expect(await errorsOf(valid)).toEqual({});
    const { metadata: _metadata, ...withoutMetadata } = valid;
    expect(await errorsOf(withoutMetadata)).toEqual({});
    for (const sourceType of SOURCE_TYPES) {
      expect(await errorsOf({ ...valid, sourceType })).toEqual({});
    }
  });

  it('accepts internal host names without a top-level domain', async () => {
    expect(await errorsOf({ ...valid, sourceUri: 'http://hx-orchestrator-server:8000/doc' })).toEqual({});
  });

  it.each(['not a url', 'example.com/page', '/relative/path', '', 'javascript:alert(1)'])(
    'refuses sourceUri %p',
    async (sourceUri) => {
      expect(await errorsOf({ ...valid, sourceUri })).toEqual({
        sourceUri: ['sourceUri must be an absolute URL'],
      });
    },
  );

  it('refuses a sourceType outside the set, naming the set', async () => {
    expect(await errorsOf({ ...valid, sourceType: 'pdf' })).toEqual({
      sourceType: ['sourceType must be one of: web, file, text, api'],
    });
  });

  it.each([
    ['empty', ''],
    ['blank', ' \n\t '],
  ])('refuses %s content', async (_label, content) => {
    expect(await errorsOf({ ...valid, content })).toEqual({
      content: ['content must not be empty or blank'],
    });
  });

  it('refuses content that is not a string', async () => {
    expect((await errorsOf({ ...valid, content: 42 })).content).toContain('content must be a string');
  });

  it('accepts exactly 1 MiB of content and refuses one byte more', async () => {
    expect(await errorsOf({ ...valid, content: 'a'.repeat(MAX_CONTENT_BYTES) })).toEqual({});
    expect(await errorsOf({ ...valid, content: 'a'.repeat(MAX_CONTENT_BYTES + 1) })).toEqual({
      content: [`content must be at most ${MAX_CONTENT_BYTES} bytes in UTF-8`],
    });
  });

  it('counts UTF-8 bytes, not characters: multi-byte content under 1 Mi characters can be too large', async () => {
    const euros = '€'.repeat(Math.floor(MAX_CONTENT_BYTES / 3) + 1); // 3 bytes each: 1 MiB + 2 bytes
    expect(euros.length).toBeLessThan(MAX_CONTENT_BYTES);
    expect((await errorsOf({ ...valid, content: euros })).content).toEqual([
      `content must be at most ${MAX_CONTENT_BYTES} bytes in UTF-8`,
    ]);
    const fits = '€'.repeat(Math.floor(MAX_CONTENT_BYTES / 3));
    expect(await errorsOf({ ...valid, content: fits })).toEqual({});
  });

  it.each([
    ['a string', 'x'],
    ['an array', [1, 2]],
    ['a number', 3],
    ['null', null],
  ])('refuses metadata that is %s', async (_label, metadata) => {
    const errors = await errorsOf({ ...valid, metadata });
    if (metadata === null) {
      // @IsOptional lets null through (it means "no metadata"), like undefined.
      expect(errors).toEqual({});
    } else {
      expect(errors).toEqual({ metadata: ['metadata must be an object'] });
    }
  });

  it('refuses unknown properties and reports every missing one', async () => {
    expect(await errorsOf({ ...valid, priority: 1 })).toEqual({
      priority: ['property priority should not exist'],
    });
    expect(Object.keys(await errorsOf({})).sort()).toEqual(['content', 'sourceType', 'sourceUri']);
  });
});
