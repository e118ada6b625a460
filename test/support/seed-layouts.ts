/** The fields of a seed 000 task (`RedisStreamsClient.add_task`), in the order it writes them: all, and only these. */
export const SEED_TASK_FIELDS: readonly string[] = [
  'job_id',
  'chunk_id',
  'content',
  'source_uri',
  'source_type',
  'metadata',
  'retry_count',
  'timestamp',
];
