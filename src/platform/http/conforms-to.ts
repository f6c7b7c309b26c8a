import { ValidateBy, ValidationArguments, ValidationOptions } from 'class-validator';
import { z } from 'zod';

/**
 * Validates a request property with a zod schema from src/contracts, so the HTTP edge accepts
 * exactly what the event contracts accept; a value that breaks it is an ordinary 400.
 */
export function ConformsTo(schema: z.ZodType, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'conformsTo',
      validator: {
        validate: (value: unknown) => schema.safeParse(value).success,
        defaultMessage: (args?: ValidationArguments) => describeFailure(schema, args),
      },
    },
    options,
  );
}

function describeFailure(schema: z.ZodType, args?: ValidationArguments): string {
  const result = schema.safeParse(args?.value);
  const issues = result.success ? [] : result.error.issues;
  const property = args?.property ?? 'value';
  const messages = issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
  return `${property}: ${messages.join(', ') || 'invalid'}`;
}
