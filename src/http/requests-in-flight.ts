import type { RequestHandler } from 'express';
import type { Quota } from '../quota';

/**
 * Holds a place in `quota` for each HTTP request of a client address while it runs (until its response is finished
 * or its connection closes), and answers one past it with 429 in JSON before its body is read.
 */
export function requestsInFlight(quota: Quota): RequestHandler {
  return (req, res, next) => {
    const release = quota.take(req.ip ?? 'unknown');
    if (!release) {
      res
        .status(429)
        .set('retry-after', '1')
        .json({ error: `At most ${quota.limit} requests from one address at once; wait for one to finish.` });
      return;
    }
    res.once('close', release);
    next();
  };
}
