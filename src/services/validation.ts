import { z } from 'zod';
import { badInput } from '../errors';

/** Control characters other than newline and tab. */
const CONTROL = /(?![\n\t])\p{Cc}/u;

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'Email is too long.')
  .pipe(z.email({ message: 'Email is not a valid address.' }));

export const displayNameSchema = z
  .string()
  .trim()
  .min(1, 'Display name must not be empty.')
  .max(64, 'Display name must be at most 64 characters.')
  .refine((v) => !CONTROL.test(v), 'Display name must not contain control characters.');

export const loginCodeSchema = z.string().regex(/^\d{6}$/, 'Code must be 6 digits.');

/**
 * Parses one input field with a schema.
 *
 * @throws DomainError BAD_USER_INPUT with `extensions.field` and the schema's first message.
 */
export function parseField<T extends z.ZodType>(field: string, schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw badInput(field, result.error.issues[0].message);
  return result.data;
}
