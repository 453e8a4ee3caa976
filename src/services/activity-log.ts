import type { Clock } from './clock';
import type { StatsStore } from './store/stats.store';

/**
 * Records each user's first signed-in request of each UTC day (daily active users, on the operations page). Each
 * instance remembers who it has recorded today, so a user costs one insert per day per instance, not one per request;
 * what it remembers is let go when the day changes.
 */
export class ActivityLog {
  private day = '';
  private readonly recorded = new Set<string>();

  constructor(
    private readonly store: Pick<StatsStore, 'recordActive'>,
    private readonly clock: Clock,
    /** Told when a record could not be written: the statistic must not fail the request that made it. */
    private readonly onError: (err: unknown) => void,
  ) {}

  /**
   * Records that the user is active today. Never rejects: a record that cannot be written is handed to `onError`
   * and tried again on the user's next request.
   */
  async seen(userId: string): Promise<void> {
    const day = this.clock().toISOString().slice(0, 10);
    if (day !== this.day) {
      this.day = day;
      this.recorded.clear();
    }
    if (this.recorded.has(userId)) return;
    try {
      await this.store.recordActive(day, userId);
      this.recorded.add(userId);
    } catch (err) {
      this.onError(err);
    }
  }
}
