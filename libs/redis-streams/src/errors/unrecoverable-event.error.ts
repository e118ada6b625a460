import { RpcException } from '@nestjs/microservices';
import { DEAD_LETTER_REASONS, UnrecoverableReason } from '../wire/dead-letter-reasons';

/** The payload Nest's RPC exception filter passes on for an {@link UnrecoverableEventError}. */
export interface UnrecoverablePayload {
  status: 'error';
  message: string;
  unrecoverable: true;
  /** `unrecoverable`, or `validation` for DTO validation failures. */
  reason: UnrecoverableReason;
  /** Validation constraints that failed, as `property.constraint` (names only, never values). */
  constraints?: string[];
  /** The exception itself, so the dead-letter record keeps its class and stack. */
  exception: Error;
}

/**
 * Throw this from a handler when retrying cannot help (the event is wrong, not the moment): the entry is
 * dead-lettered at once. It is an RpcException so it passes Nest's RPC exception filter with its marker intact.
 */
export class UnrecoverableEventError extends RpcException {
  constructor(message: string, details: { reason?: UnrecoverableReason; constraints?: string[] } = {}) {
    const payload: Omit<UnrecoverablePayload, 'exception'> & { exception?: Error } = {
      status: 'error',
      message,
      unrecoverable: true,
      reason: details.reason ?? DEAD_LETTER_REASONS.unrecoverable,
      constraints: details.constraints,
    };
    super(payload);
    payload.exception = this;
    this.name = 'UnrecoverableEventError';
  }
}
