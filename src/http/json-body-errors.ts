import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
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

/**
 * The last of Express's error handlers: an error no route answered becomes JSON with its status (4xx, as the body
 * parsers set it) or 500, never Express's HTML page with a stack trace. 5xx are logged.
 */
export function lastErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: { status?: number; statusCode?: number; expose?: boolean; message?: string }, req, res, next) => {
    if (res.headersSent) return next(error);
    const status = error.status ?? error.statusCode ?? 500;
    if (status >= 500) logger.error({ err: error, path: req.path }, 'request failed');
    res.status(status).json({
      error: status < 500 && error.expose !== false && error.message ? error.message : 'Internal server error.',
    });
  };
}
