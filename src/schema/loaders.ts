import DataLoader from 'dataloader';
import type { Services } from '../services';
import type { Viewer } from '../services/auth.service';
import type { ReadState } from '../services/store/read.store';
import type { ChannelView } from '../services/views';

/**
 * Per-operation batches (DataLoader): a field asked of every channel of a list (`channels { unreadCount }`) costs one
 * query for the whole list, not one per channel. Nothing is cached: a subscription's context lives as long as it,
 * and each of its events must read the state of then.
 */
export interface Loaders {
  /** The viewer's read state per channel (ReadPositionService.states). */
  readStates: DataLoader<ChannelView, ReadState>;
  /** Member counts per channel (MemberService.counts). */
  memberCounts: DataLoader<ChannelView, number>;
}

export function createLoaders(services: Services, viewer: Viewer | null): Loaders {
  const byId = { cache: false };
  return {
    readStates: new DataLoader((channels) => services.reads.states(viewer!, channels), byId),
    memberCounts: new DataLoader((channels) => services.members.counts(channels), byId),
  };
}
