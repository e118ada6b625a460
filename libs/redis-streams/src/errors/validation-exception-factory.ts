import { constraintNames } from './failure';
import { UnrecoverableEventError } from './unrecoverable-event.error';
import { DEAD_LETTER_REASONS } from '../wire/dead-letter-reasons';

type ValidationErrors = Parameters<typeof constraintNames>[0];

/**
 * `exceptionFactory` for Nest's `ValidationPipe` on event handlers: a payload that fails validation is dead-lettered
 * at once with the failed constraint names (never the values), instead of being retried.
 *
 * @example
 * ＠UsePipes(new ValidationPipe({ exceptionFactory: redisStreamsValidationExceptionFactory }))
 */
export function redisStreamsValidationExceptionFactory(errors: ValidationErrors): UnrecoverableEventError {
  const constraints = constraintNames(errors);
  return new UnrecoverableEventError(`validation failed: ${constraints.join(', ')}`, {
    reason: DEAD_LETTER_REASONS.validation,
    constraints,
  });
}
