import { Redis } from 'ioredis';
import { JOB_STATUS_TTL_SECONDS, JobStatusStore, jobKey } from '@app/shield-platform';
import { uniqueName } from '../support/names';

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('JobStatusStore', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const store = new JobStatusStore(redis);
  const jobIds: string[] = [];
  const newJob = (): string => {
    const jobId = uniqueName('job');
    jobIds.push(jobId);
    return jobId;
  };

  afterAll(async () => {
    if (jobIds.length > 0) {
      await redis.del(...jobIds.map(jobKey));
    }
    await redis.quit();
  });

  it('moves a job forward through queued, processing, completed and keeps it 7 days', async () => {
    const jobId = newJob();
    expect(await store.get(jobId)).toBeUndefined();
    expect(await store.markQueued(jobId)).toEqual({ applied: true, status: 'queued' });
    const queued = await store.get(jobId);
    expect(queued).toEqual({ jobId, status: 'queued', updatedAt: queued?.updatedAt });
    expect(queued?.updatedAt).toMatch(ISO_TIME);
    expect(await store.markProcessing(jobId)).toEqual({ applied: true, status: 'processing' });
    expect(await store.markCompleted(jobId, 7)).toEqual({ applied: true, status: 'completed' });

    const record = await store.get(jobId);
    expect(record).toEqual({ jobId, status: 'completed', chunkCount: 7, updatedAt: record?.updatedAt });
    expect(record?.updatedAt).toMatch(ISO_TIME);
    expect(Date.now() - new Date(record?.updatedAt ?? 0).getTime()).toBeLessThan(5000);
    expect(await redis.exists(`shield:job:{${jobId}}`)).toBe(1);
    const ttl = await redis.ttl(jobKey(jobId));
    expect(ttl).toBeGreaterThan(JOB_STATUS_TTL_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(JOB_STATUS_TTL_SECONDS);
  });

  it('never moves backwards: a duplicate delivery cannot reopen a completed job, nor fail it', async () => {
    const jobId = newJob();
    await store.markQueued(jobId);
    await store.markProcessing(jobId);
    expect(await store.markProcessing(jobId)).toEqual({ applied: false, status: 'processing' });
    expect(await store.markQueued(jobId)).toEqual({ applied: false, status: 'processing' });
    await store.markCompleted(jobId, 3);
    const before = await store.get(jobId);

    expect(await store.markProcessing(jobId)).toEqual({ applied: false, status: 'completed' });
    expect(await store.markFailed(jobId, 'late')).toEqual({ applied: false, status: 'completed' });
    expect(await store.markCompleted(jobId, 99)).toEqual({ applied: false, status: 'completed' });
    expect(await store.get(jobId)).toEqual(before);
  });

  it('keeps why a job failed (truncated), and a failed job stays failed', async () => {
    const jobId = newJob();
    expect(await store.markFailed(jobId, 'x'.repeat(2000))).toEqual({ applied: true, status: 'failed' });
    expect((await store.get(jobId))?.error).toHaveLength(500);
    expect(await store.markCompleted(jobId, 1)).toEqual({ applied: false, status: 'failed' });
    expect(await store.markProcessing(jobId)).toEqual({ applied: false, status: 'failed' });
  });

  it('is atomic: racing redeliveries and a completion end completed, with one winner per step', async () => {
    const jobId = newJob();
    await store.markQueued(jobId);
    const results = await Promise.all([
      ...Array.from({ length: 20 }, () => store.markProcessing(jobId)),
      store.markCompleted(jobId, 2),
      ...Array.from({ length: 20 }, () => store.markProcessing(jobId)),
    ]);
    expect(results.filter((r) => r.applied && r.status === 'completed')).toHaveLength(1);
    expect(results.filter((r) => r.applied && r.status === 'processing').length).toBeLessThanOrEqual(1);
    expect((await store.get(jobId))?.status).toBe('completed');
  });

  it('works on a second store over the same connection (the script is registered once per name)', async () => {
    const jobId = newJob();
    const other = new JobStatusStore(redis);
    await other.markQueued(jobId);
    expect((await store.get(jobId))?.status).toBe('queued');
  });
});
