import { RpcException } from '@nestjs/microservices';
import { describeError } from './describe-error';
import { RedisStreamsError } from './redis-streams.error';
import { UnrecoverablePayload } from './unrecoverable-event.error';
import { DEAD_LETTER_REASONS, FailureReason } from '../wire/dead-letter-reasons';

/** What the transport keeps of a handler failure. */
export interface Failure {
  reason: FailureReason;
  /** Retrying cannot help: dead-letter now. */
  permanent: boolean;
  errorClass: string;
  message: string;
  stack: string | undefined;
  /** Validation constraints (`property.constraint`), never values. */
  constraints: string[] | undefined;
}

/** A handler that ran longer than its `handlerTimeoutMs`. */
export class HandlerTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`handler still running after ${timeoutMs} ms`);
    this.name = 'HandlerTimeoutError';
  }
}

/**
 * A handler rejected with something that is not an `Error`. Without {@link RedisStreamsExceptionFilter}, Nest's RPC
 * exception filter passes an RpcException on as its payload (a plain object, or an array of validation errors): the
 * rejection is kept as `cause`, so {@link classifyFailure} still sees an UnrecoverableEventError's marker.
 */
export class HandlerRejectionError extends RedisStreamsError {
  constructor(rejection: unknown) {
    super(describeError(rejection), { cause: rejection });
  }
}

interface ValidationErrorLike {
  property: string;
  constraints?: Record<string, string>;
  children?: ValidationErrorLike[];
}

function isValidationErrorLike(value: unknown): value is ValidationErrorLike {
  return (
    typeof value === 'object' && value !== null && typeof (value as ValidationErrorLike).property === 'string'
  );
}

/** `property.constraint` names of class-validator errors, nested properties joined with dots. */
export function constraintNames(errors: readonly ValidationErrorLike[], prefix = ''): string[] {
  return errors.flatMap((error) => [
    ...Object.keys(error.constraints ?? {}).map((name) => `${prefix}${error.property}.${name}`),
    ...constraintNames(error.children ?? [], `${prefix}${error.property}.`),
  ]);
}

function isUnrecoverablePayload(value: unknown): value is UnrecoverablePayload {
  return (
    typeof value === 'object' && value !== null && (value as UnrecoverablePayload).unrecoverable === true
  );
}

/**
 * Classifies what a handler failed with. Nest's RPC exception filter turns an RpcException into its `getError()`
 * payload: an UnrecoverableEventError arrives as its marked payload, and `ValidationPipe` with
 * `exceptionFactory: (errors) => new RpcException(errors)` as an array of class-validator errors — both permanent,
 * whether they come as the RpcException, as its payload, or wrapped in a {@link HandlerRejectionError}.
 * Anything else is retried.
 */
export function classifyFailure(error: unknown): Failure {
  if (error instanceof HandlerRejectionError) {
    return classifyFailure(error.cause);
  }
  if (error instanceof HandlerTimeoutError) {
    return {
      reason: DEAD_LETTER_REASONS.timeout,
      permanent: false,
      errorClass: error.name,
      message: error.message,
      stack: error.stack,
      constraints: undefined,
    };
  }
  // RedisStreamsExceptionFilter records the RpcException itself (UnrecoverableEventError, or an RpcException of
  // validation errors); without the filter its payload arrives. Both are read the same way.
  const payload: unknown = error instanceof RpcException ? error.getError() : error;
  if (isUnrecoverablePayload(payload)) {
    return {
      reason: payload.reason,
      permanent: true,
      errorClass: payload.exception?.name ?? 'UnrecoverableEventError',
      message: payload.message,
      stack: payload.exception?.stack,
      constraints: payload.constraints,
    };
  }
  const badRequest = badRequestMessages(error);
  if (badRequest) {
    return {
      reason: DEAD_LETTER_REASONS.validation,
      permanent: true,
      errorClass: (error as Error).name,
      message: `validation failed: ${badRequest.join('; ')}`.slice(0, 1024),
      stack: (error as Error).stack,
      constraints: undefined,
    };
  }
  const validation = Array.isArray(payload) ? payload : undefined;
  if (validation && validation.length > 0 && validation.every(isValidationErrorLike)) {
    const constraints = constraintNames(validation);
    return {
      reason: DEAD_LETTER_REASONS.validation,
      permanent: true,
      errorClass: 'ValidationError',
      message: `validation failed: ${constraints.join(', ')}`,
      stack: undefined,
      constraints,
    };
  }
  return {
    reason: DEAD_LETTER_REASONS.handlerError,
    permanent: false,
    errorClass: error instanceof Error ? error.name : 'Error',
    message: describeError(error).replace(/^[A-Za-z]*Error: /, ''),
    stack: error instanceof Error ? error.stack : undefined,
    constraints: undefined,
  };
}

/** The messages of a 400 HttpException (what Nest's ValidationPipe throws by default), else undefined. */
function badRequestMessages(error: unknown): string[] | undefined {
  if (!(error instanceof Error) || typeof (error as { getStatus?: unknown }).getStatus !== 'function') {
    return undefined;
  }
  const http = error as Error & { getStatus(): number; getResponse(): unknown };
  if (http.getStatus() !== 400) {
    return undefined;
  }
  const response = http.getResponse();
  const message =
    typeof response === 'object' && response !== null
      ? (response as { message?: unknown }).message
      : response;
  if (Array.isArray(message)) {
    return message.map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
  }
  return [typeof message === 'string' ? message : error.message];
}
