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
  ) {}

  /**
   * Records that the user is active today.
   *
   * @throws the database's error when the record cannot be written; the user is then tried again on their next
   * request.
   */
  async seen(userId: string): Promise<void> {
    const day = this.clock().toISOString().slice(0, 10);
    if (day !== this.day) {
      this.day = day;
      this.recorded.clear();
    }
    if (this.recorded.has(userId)) return;
    await this.store.recordActive(day, userId);
    this.recorded.add(userId);
  }
}
