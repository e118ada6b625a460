/** Every status a job can have, in the order it moves through them (`completed` and `failed` are both final). */
export const JOB_STATUSES = ['queued', 'processing', 'completed', 'failed'] as const;

/** One of {@link JOB_STATUSES}. */
export type JobStatus = (typeof JOB_STATUSES)[number];

/** How long a job's status is kept after its last change (7 days), in seconds. */
export const JOB_STATUS_TTL_SECONDS = 7 * 24 * 60 * 60;

/** What is known about a job. */
export interface JobStatusRecord {
  jobId: string;
  status: JobStatus;
  /** Known once a worker has split the content. */
  chunkCount?: number;
  /** Why the job failed (only for `failed`). */
  error?: string;
  /** ISO-8601 time of the last change. */
  updatedAt: string;
}

/** Result of a transition attempt. */
export interface JobTransition {
  /** False when the job was already at or past the requested status (nothing was written). */
  applied: boolean;
  /** The job's status after the attempt. */
  status: JobStatus;
}

/** True when `value` is one of {@link JOB_STATUSES}. */
export function isJobStatus(value: unknown): value is JobStatus {
  return typeof value === 'string' && (JOB_STATUSES as readonly string[]).includes(value);
}
