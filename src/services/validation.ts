import { z } from 'zod';
import { badInput } from '../errors';

/** Control characters other than newline and tab. */
const CONTROL = /(?![\n\t])\p{Cc}/u;

/**
 * Half of a UTF-16 surrogate pair on its own (JSON's "\ud800"): not text. Both stores would keep U+FFFD in its place,
 * so what was answered and published would differ from what history returns, and a retry would no longer match.
 */
const LONE_SURROGATE = /\p{Cs}/u;
const wellFormed = (what: string) =>
  [(v: string) => !LONE_SURROGATE.test(v), `${what} must be valid Unicode text (no lone surrogate).`] as const;

/**
 * Characters that reorder the text around them or show nothing at all: bidirectional overrides, embeddings, isolates
 * and marks, zero-width spaces, word joiners, the BOM, soft hyphens. In a name they make one look like another
 * (`admin` and `ad\u202Enim`), so names refuse them.
 */
const INVISIBLE = /[\u00AD\u061C\u180E\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/u;
/**
 * The zero-width joiner and non-joiner are part of writing in some scripts (ZWNJ in Persian) and of emoji sequences
 * (👩‍💻): a name may hold them between two visible characters, never at an edge or beside a space.
 */
const VISIBLE = '[\\p{L}\\p{M}\\p{N}\\p{Extended_Pictographic}\\p{Emoji_Modifier}\\uFE0F]';
const STRAY_JOINER = new RegExp(`(?<!${VISIBLE})[\\u200C\\u200D]|[\\u200C\\u200D](?!${VISIBLE})`, 'u');
const visibleOnly = (what: string) =>
  [
    (v: string) => !INVISIBLE.test(v) && !STRAY_JOINER.test(v),
    `${what} must not contain invisible or direction-changing characters.`,
  ] as const;

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
  .refine((v) => !CONTROL.test(v), 'Display name must not contain control characters.')
  .refine(...wellFormed('Display name'))
  .refine(...visibleOnly('Display name'));

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

/** A channel name: 1–64 characters after trimming, no control characters. */
export const channelNameSchema = z
  .string()
  .trim()
  .min(1, 'Name must not be empty.')
  .max(64, 'Name must be at most 64 characters.')
  .refine((v) => !CONTROL.test(v), 'Name must not contain control characters.')
  .refine(...wellFormed('Name'))
  .refine(...visibleOnly('Name'));

/** A PASSWORD channel's password: 4–128 characters, taken as given (no trimming). */
export const channelPasswordSchema = z
  .string()
  .min(4, 'Password must be at least 4 characters.')
  .max(128, 'Password must be at most 128 characters.')
  .refine(...wellFormed('Password'));

/** A message body: trailing whitespace trimmed, then 1–4000 characters, no control characters but newline and tab. */
export const messageBodySchema = z
  .string()
  .transform((v) => v.trimEnd())
  .refine((v) => v.length > 0, 'Message must not be empty.')
  .refine((v) => [...v].length <= 4000, 'Message must be at most 4000 characters.')
  .refine((v) => !CONTROL.test(v), 'Message must not contain control characters other than newline and tab.')
  .refine(...wellFormed('Message'));

/** Why a moderator acted: 1–500 characters after trimming, no control characters other than newline and tab. */
export const moderationReasonSchema = z
  .string()
  .trim()
  .min(1, 'Give a reason.')
  .max(500, 'A reason must be at most 500 characters.')
  .refine((v) => !CONTROL.test(v), 'A reason must not contain control characters other than newline and tab.')
  .refine(...wellFormed('A reason'));

/** The sender's idempotency key: 1–64 characters, no control characters. */
export const clientMessageIdSchema = z
  .string()
  .min(1, 'clientMessageId must not be empty.')
  .max(64, 'clientMessageId must be at most 64 characters.')
  .refine((v) => !CONTROL.test(v), 'clientMessageId must not contain control characters.')
  .refine(...wellFormed('clientMessageId'));
