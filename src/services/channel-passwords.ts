import * as argon2 from 'argon2';
import pLimit from 'p-limit';
import { rateLimited } from '../errors';

/**
 * argon2id as OWASP's password storage guidance sets it for 19 MiB (m=19456 KiB, t=2, p=1): each hash holds that much
 * memory while it runs. Hashes made with other parameters keep verifying: theirs are stored in the hash.
 */
const PARAMETERS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * Hashing and checking PASSWORD-channel passwords, at most `concurrency` at once (each holds 19 MiB and a core for
 * tens of milliseconds), with at most `queue` more waiting: past that the server is busy and says so, rather than
 * letting a crowd of joins queue up memory and time.
 */
export class ChannelPasswords {
  private readonly limit: pLimit.Limit;

  constructor(
    private readonly concurrency = 2,
    private readonly queue = 32,
  ) {
    this.limit = pLimit(concurrency);
  }

  /**
   * @throws DomainError RATE_LIMITED when too many hashes are already waiting.
   */
  hash(password: string): Promise<string> {
    return this.run(() => argon2.hash(password, PARAMETERS));
  }

  /**
   * Whether `password` is the one `hash` was made from; false for anything over 1024 characters without hashing it.
   *
   * @throws DomainError RATE_LIMITED when too many checks are already waiting.
   */
  verify(hash: string, password: string): Promise<boolean> {
    if (password.length > 1024) return Promise.resolve(false);
    return this.run(() => argon2.verify(hash, password));
  }

  private run<T>(work: () => Promise<T>): Promise<T> {
    if (this.limit.activeCount + this.limit.pendingCount >= this.concurrency + this.queue) {
      return Promise.reject(rateLimited(1, 'The server is busy checking passwords; try again in a moment.'));
    }
    return this.limit(work);
  }
}
