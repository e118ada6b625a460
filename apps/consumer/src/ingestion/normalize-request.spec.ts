import { normalizeIngestionRequest } from './normalize-request';

const camel = {
  jobId: 'job-1',
  sourceUri: 'https://example.com/a',
  sourceType: 'web',
  content: 'hello',
  metadata: { lang: 'en' },
};

describe('normalizeIngestionRequest', () => {
  it('accepts the API camelCase payload as is', () => {
    expect(normalizeIngestionRequest(camel)).toEqual({ ok: true, event: camel });
  });

  it('accepts a Python snake_case flat task (seed 000 add_task) and ignores its bookkeeping fields', () => {
    const task = {
      job_id: 'job-2',
      chunk_id: 'c-0',
      content: 'some text',
      source_uri: 'file:///srv/doc.txt',
      source_type: 'file',
      metadata: '{"owner":"ops"}',
      retry_count: '0',
      timestamp: '2025-01-01T00:00:00',
    };
    expect(normalizeIngestionRequest(task)).toEqual({
      ok: true,
      event: {
        jobId: 'job-2',
        sourceUri: 'file:///srv/doc.txt',
        sourceType: 'file',
        content: 'some text',
        metadata: { owner: 'ops' },
      },
    });
  });

  it('takes metadata already decoded by the flat codec, and defaults absent or empty metadata to {}', () => {
    const base = { job_id: 'j', source_uri: 'u', source_type: 't', content: 'c' };
    expect(normalizeIngestionRequest({ ...base, metadata: { a: 1 } })).toMatchObject({
      ok: true,
      event: { metadata: { a: 1 } },
    });
    expect(normalizeIngestionRequest(base)).toMatchObject({ ok: true, event: { metadata: {} } });
    expect(normalizeIngestionRequest({ ...base, metadata: '' })).toMatchObject({
      ok: true,
      event: { metadata: {} },
    });
  });

  it('turns content the flat codec decoded as JSON back into text', () => {
    const result = normalizeIngestionRequest({ ...camel, content: { title: 'x' } });
    expect(result).toMatchObject({ ok: true, event: { content: '{"title":"x"}' } });
  });

  it('prefers camelCase when both spellings are present', () => {
    expect(normalizeIngestionRequest({ ...camel, job_id: 'other' })).toMatchObject({
      ok: true,
      event: { jobId: 'job-1' },
    });
  });

  it('rejects a payload without a job id, naming no job', () => {
    expect(normalizeIngestionRequest({ ...camel, jobId: undefined })).toEqual({
      ok: false,
      reason: 'jobId is missing',
    });
    expect(normalizeIngestionRequest('text')).toEqual({ ok: false, reason: 'payload is not an object' });
    expect(normalizeIngestionRequest(null)).toMatchObject({ ok: false });
  });

  it('rejects missing fields or bad metadata, naming the job so it can be failed', () => {
    expect(normalizeIngestionRequest({ ...camel, content: 42 })).toEqual({
      ok: false,
      jobId: 'job-1',
      reason: 'content is missing or not text',
    });
    expect(normalizeIngestionRequest({ ...camel, sourceUri: '' })).toMatchObject({
      ok: false,
      jobId: 'job-1',
    });
    expect(normalizeIngestionRequest({ ...camel, sourceType: 3 })).toMatchObject({
      ok: false,
      jobId: 'job-1',
    });
    expect(normalizeIngestionRequest({ ...camel, metadata: '[1,2]' })).toMatchObject({
      ok: false,
      reason: 'metadata is not a JSON object',
    });
    expect(normalizeIngestionRequest({ ...camel, metadata: '{not json' })).toMatchObject({ ok: false });
    expect(normalizeIngestionRequest({ ...camel, metadata: '{"__proto__":{"x":1}}' })).toMatchObject({
      ok: false,
    });
  });
});
