import { BadRequestException } from '@nestjs/common';
import type { ValidationError } from 'class-validator';

/** One invalid property of a publish request: its path and the constraints it broke (name → message). */
export interface ValidationProblem {
  /** Dotted path in the body, e.g. `payload.email_id`. */
  property: string;
  /** class-validator constraint names (`isString`, `whitelistValidation`, …) with their messages. */
  constraints: Record<string, string>;
}

/** Flattens class-validator errors (nested ones included) into problems whose paths start with `prefix`. */
export function validationProblems(errors: ValidationError[], prefix = ''): ValidationProblem[] {
  return errors.flatMap((error) => {
    const property = `${prefix}${error.property}`;
    const own: ValidationProblem[] = error.constraints ? [{ property, constraints: error.constraints }] : [];
    return [...own, ...validationProblems(error.children ?? [], `${property}.`)];
  });
}

/**
 * A 400 whose body lists the messages (`message`, as Nest's ValidationPipe does) and, per property, the names of
 * the broken constraints (`errors`), so a caller can tell `isNotEmpty` from `whitelistValidation` without parsing text.
 */
export function badPublishRequest(problems: ValidationProblem[]): BadRequestException {
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: problems.flatMap((problem) => Object.values(problem.constraints)),
    errors: problems,
  });
}
