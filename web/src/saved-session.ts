import type { Channel, Viewer } from '../../client';

const VIEWER = 'chat.viewer';
const CHANNELS = 'chat.channels';

const read = <T>(key: string): T | null => {
  try {
    return JSON.parse(localStorage.getItem(key) ?? 'null') as T | null;
  } catch {
    return null;
  }
};

/**
 * What the page keeps of the signed-in user between loads, so that a page opened without a network can still draw
 * the chat: the viewer and their channel list (the messages are in the IndexedDB message cache, the unsent ones in
 * the send queue). Forgotten at sign-out, and replaced when another user signs in.
 */
export const savedSession = {
  viewer: (): Viewer | null => read<Viewer>(VIEWER),
  saveViewer(viewer: Viewer): void {
    if (read<Viewer>(VIEWER)?.id !== viewer.id) localStorage.removeItem(CHANNELS);
    localStorage.setItem(VIEWER, JSON.stringify(viewer));
  },
  /** The channel list last read for `userId`, or null. */
  channels: (userId: string): Channel[] | null => {
    const saved = read<{ userId: string; channels: Channel[] }>(CHANNELS);
    return saved?.userId === userId ? saved.channels : null;
  },
  saveChannels(userId: string, channels: Channel[]): void {
    localStorage.setItem(CHANNELS, JSON.stringify({ userId, channels }));
  },
  forget(): void {
    localStorage.removeItem(VIEWER);
    localStorage.removeItem(CHANNELS);
  },
};
