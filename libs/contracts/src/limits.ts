/** Largest `content` of an ingestion request, in UTF-8 bytes (1 MiB). */
export const MAX_CONTENT_BYTES = 1024 * 1024;

/**
 * Largest JSON request body the API accepts, in bytes. Larger than {@link MAX_CONTENT_BYTES} because JSON escaping
 * grows text (a newline or a quote takes two bytes), plus room for the other fields.
 */
export const MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Largest event payload (JSON bytes) producers may write and consumers accept. Re-serialising a parsed request body
 * never makes it larger than the body itself, so anything the API accepted fits, with a margin for the added fields.
 */
export const MAX_EVENT_PAYLOAD_BYTES = MAX_REQUEST_BODY_BYTES + 64 * 1024;
