/** Kinds of source an ingestion can come from. */
export const SOURCE_TYPES = ['web', 'file', 'text', 'api'] as const;

/** One of {@link SOURCE_TYPES}. */
export type SourceType = (typeof SOURCE_TYPES)[number];
