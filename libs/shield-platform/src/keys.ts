/** Hash of per-type event counts kept by the metrics collector (`HGETALL` it to read). */
export const EVENT_COUNTS_KEY = 'shield:metrics:event_counts';

/**
 * The Redis key of a job's status hash: `shield:job:{<jobId>}`. The job id is the hash tag, so everything kept
 * about one job lives in one cluster slot.
 */
export function jobKey(jobId: string): string {
  return `shield:job:{${jobId}}`;
}
