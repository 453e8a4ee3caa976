import { Entity, PrimaryKey, PrimaryKeyProp, Property } from '@mikro-orm/core';

/**
 * The operations page's pre-aggregated rows (AdminStatsService). Days are UTC dates (`YYYY-MM-DD`), hours are whole
 * hours since the Unix epoch. They name users and channels by id alone, without foreign keys: counts outlive what
 * they count.
 */

/** A user who made a signed-in request on a day (recorded once per user and day by ActivityLog). */
@Entity({ tableName: 'active_user_days' })
export class ActiveUserDay {
  [PrimaryKeyProp]?: ['day', 'userId'];

  @PrimaryKey({ type: 'string', length: 10 })
  day!: string;

  @PrimaryKey({ type: 'string', length: 36 })
  userId!: string;
}

/** The USER messages stored in one closed hour, everywhere; its row marks the hour as rolled up. */
@Entity({ tableName: 'message_hours' })
export class MessageHour {
  @PrimaryKey({ type: 'integer', autoincrement: false })
  hour!: number;

  @Property({ type: 'integer' })
  messages!: number;
}

/** The USER messages stored in one channel on one day, summed from the day's rolled-up hours. */
@Entity({ tableName: 'channel_message_days' })
export class ChannelMessageDay {
  [PrimaryKeyProp]?: ['day', 'channelId'];

  @PrimaryKey({ type: 'string', length: 10 })
  day!: string;

  @PrimaryKey({ type: 'string', length: 36 })
  channelId!: string;

  @Property({ type: 'integer' })
  messages!: number;
}
