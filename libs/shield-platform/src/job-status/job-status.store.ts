import type { RedisConnection } from '@app/redis-streams/redis/redis-connection';
import { jobKey } from '../keys';
import { JOB_STATUS_TTL_SECONDS, JobStatus, JobStatusRecord, JobTransition, isJobStatus } from './job-status';
import { TRANSITION_COMMAND, TRANSITION_LUA } from './transition.lua';

type TransitionCommand = (key: string, ...args: string[]) => Promise<unknown>;

/** Longest `error` text kept for a failed job. */
const MAX_ERROR_LENGTH = 500;

/**
 * Job statuses kept in Redis, so they survive a restart of either app: one hash per job (`shield:job:{<jobId>}`:
 * status, chunkCount, error, updatedAt) that expires 7 days after its last change. Statuses only move forward
 * (queued → processing → completed | failed), checked and written atomically by one Lua script.
 */
export class JobStatusStore {
  private readonly transitionCommand: TransitionCommand;

  /** @param redis a command connection (not one used for blocking reads); the store does not close it. */
  constructor(private readonly redis: RedisConnection) {
    redis.defineCommand(TRANSITION_COMMAND, { numberOfKeys: 1, lua: TRANSITION_LUA });
    const command = (redis as unknown as Record<string, unknown>)[TRANSITION_COMMAND];
    if (typeof command !== 'function') {
      throw new Error(`ioredis did not define ${TRANSITION_COMMAND}`);
    }
    this.transitionCommand = (command as TransitionCommand).bind(redis);
  }

  /** Records a new job as `queued`. Not applied when the job already has a status. */
  markQueued(jobId: string): Promise<JobTransition> {
    return this.transition(jobId, 'queued');
  }

  /** A worker took the job. Not applied when the job is already processing or finished (a redelivery). */
  markProcessing(jobId: string): Promise<JobTransition> {
    return this.transition(jobId, 'processing');
  }

  /** Every chunk was processed. */
  markCompleted(jobId: string, chunkCount: number): Promise<JobTransition> {
    return this.transition(jobId, 'completed', { chunkCount });
  }

  /** The job failed for good; `reason` is kept (truncated) and shown to whoever asks for the status. */
  markFailed(jobId: string, reason: string): Promise<JobTransition> {
    return this.transition(jobId, 'failed', { error: reason });
  }

  /** Moves the job to `status` if that is a step forward; see {@link TRANSITION_LUA}. */
  async transition(
    jobId: string,
    status: JobStatus,
    details: { chunkCount?: number; error?: string } = {},
  ): Promise<JobTransition> {
    const reply = await this.transitionCommand(
      jobKey(jobId),
      status,
      new Date().toISOString(),
      String(JOB_STATUS_TTL_SECONDS),
      details.chunkCount === undefined ? '' : String(details.chunkCount),
      details.error === undefined ? '' : details.error.slice(0, MAX_ERROR_LENGTH) || 'failed',
    );
    if (!Array.isArray(reply) || reply.length !== 2 || !isJobStatus(reply[1])) {
      throw new Error(`${TRANSITION_COMMAND} returned an unexpected reply`);
    }
    return { applied: reply[0] === 1, status: reply[1] };
  }

  /** The job's status, or undefined when the job is unknown (never existed, or expired). */
  async get(jobId: string): Promise<JobStatusRecord | undefined> {
    const fields = await this.redis.hgetall(jobKey(jobId));
    if (!isJobStatus(fields.status)) {
      return undefined;
    }
    const record: JobStatusRecord = { jobId, status: fields.status, updatedAt: fields.updatedAt ?? '' };
    if (fields.chunkCount !== undefined && fields.chunkCount !== '') {
      record.chunkCount = Number(fields.chunkCount);
    }
    if (fields.error) {
      record.error = fields.error;
    }
    return record;
  }
}
