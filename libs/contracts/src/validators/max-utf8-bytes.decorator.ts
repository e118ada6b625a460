import { ValidationArguments, ValidationOptions, registerDecorator } from 'class-validator';

/** True when `value` is a string whose UTF-8 encoding is at most `maxBytes` bytes long. */
export function fitsUtf8Bytes(value: unknown, maxBytes: number): boolean {
  return typeof value === 'string' && Buffer.byteLength(value, 'utf8') <= maxBytes;
}

/**
 * class-validator decorator: the property is a string of at most `maxBytes` bytes once encoded as UTF-8
 * (`@MaxLength` counts UTF-16 code units, so a multi-byte text could be up to 3× larger than it says).
 */
export function MaxUtf8Bytes(maxBytes: number, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'maxUtf8Bytes',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [maxBytes],
      options: {
        message: (args: ValidationArguments) =>
          `${args.property} must be at most ${String(args.constraints[0])} bytes in UTF-8`,
        ...options,
      },
      validator: {
        validate: (value: unknown) => fitsUtf8Bytes(value, maxBytes),
      },
    });
  };
}
