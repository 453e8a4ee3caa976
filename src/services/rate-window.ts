import { rateLimited } from '../errors';

/** A limit of the contract's kind: at most `limit` of something by one user in any `windowMs`. */
export interface RateWindow {
  limit: number;
  windowMs: number;
}

/**
 * Refuses one more when `times` (the user's latest ones within the window, at most `limit` of them) are already
 * `limit`: RATE_LIMITED with `retryAfterSeconds` until the oldest of them leaves the window.
 *
 * @throws DomainError RATE_LIMITED with `message`.
 */
export function refuseWhenFull(times: readonly Date[], rule: RateWindow, now: Date, message: string): void {
  if (times.length < rule.limit) return;
  const oldest = Math.min(...times.map((time) => time.getTime()));
  throw rateLimited((oldest + rule.windowMs - now.getTime()) / 1000, message);
}
