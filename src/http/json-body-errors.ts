import type { ErrorRequestHandler } from 'express';
import { ErrorCode } from '../errors';

/**
 * Answers a body that express.json refused (too large, not JSON) the way GraphQL clients read refusals: a JSON
 * `errors` array with BAD_USER_INPUT, under the parser's own status (413 or 400). Anything else goes on to
 * Express's handler.
 */
export function jsonBodyErrors(limitBytes: number): ErrorRequestHandler {
  return (error: { type?: string; status?: number }, _req, res, next) => {
    const message =
      error.type === 'entity.too.large'
        ? `The request body is larger than ${Math.floor(limitBytes / 1024)} KB.`
        : error.type === 'entity.parse.failed'
          ? 'The request body is not valid JSON.'
          : undefined;
    if (!message) return next(error);
    res.status(error.status ?? 400).json({ errors: [{ message, extensions: { code: ErrorCode.BAD_USER_INPUT } }] });
  };
}
