import { Migration20261122000100Foundation } from './Migration20261122000100Foundation';
import { Migration20261122000200Channels } from './Migration20261122000200Channels';
import { Migration20261123000300Payments } from './Migration20261123000300Payments';
import { Migration20261123000400ExactIdentifiers } from './Migration20261123000400ExactIdentifiers';
import { Migration20261202000500ReadinessAndExpiry } from './Migration20261202000500ReadinessAndExpiry';
import { Migration20261202000600ReadPositions } from './Migration20261202000600ReadPositions';
import { Migration20261202000700MessageChanges } from './Migration20261202000700MessageChanges';
import { Migration20261202000800Moderation } from './Migration20261202000800Moderation';
import { Migration20261202000900MemberRemovals } from './Migration20261202000900MemberRemovals';
import { Migration20261202001000Statistics } from './Migration20261202001000Statistics';
import { Migration20261203001100NameBasedChannelIds } from './Migration20261203001100NameBasedChannelIds';

/** Every migration in order. Listed explicitly so the build and the tests run the same set. */
export const migrationsList = [
  { name: 'Migration20261122000100Foundation', class: Migration20261122000100Foundation },
  { name: 'Migration20261122000200Channels', class: Migration20261122000200Channels },
  { name: 'Migration20261123000300Payments', class: Migration20261123000300Payments },
  { name: 'Migration20261123000400ExactIdentifiers', class: Migration20261123000400ExactIdentifiers },
  { name: 'Migration20261202000500ReadinessAndExpiry', class: Migration20261202000500ReadinessAndExpiry },
  { name: 'Migration20261202000600ReadPositions', class: Migration20261202000600ReadPositions },
  { name: 'Migration20261202000700MessageChanges', class: Migration20261202000700MessageChanges },
  { name: 'Migration20261202000800Moderation', class: Migration20261202000800Moderation },
  { name: 'Migration20261202000900MemberRemovals', class: Migration20261202000900MemberRemovals },
  { name: 'Migration20261202001000Statistics', class: Migration20261202001000Statistics },
  { name: 'Migration20261203001100NameBasedChannelIds', class: Migration20261203001100NameBasedChannelIds },
];
