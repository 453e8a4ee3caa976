import type { Page } from 'playwright-core';
import { defaultChannelId } from '../../src/services/channel.service';
import { DESKTOP, describeWithBrowser, useBuiltPages } from '../support/browser';
import type { TestUser } from '../support/chat';
import { eachProfile } from '../support/profiles';
import { useChatServer } from '../support/chat-server';

/** Whether the page's IndexedDB message cache holds a message with `body` (read in the page, as the page wrote it). */
const cacheHolds = (page: Page, body: string) =>
  page.evaluate(async (text) => {
    // In the page, where IndexedDB exists (the test's own types are Node's).
    const indexedDB = (globalThis as any).indexedDB;
    const names = (await indexedDB.databases()).map((db: { name: string }) => db.name);
    if (!names.includes('chat-message-cache')) return false;
    return new Promise<boolean>((resolve) => {
      const open = indexedDB.open('chat-message-cache');
      open.onerror = () => resolve(false);
      open.onsuccess = () => {
        const db = open.result;
        const read = db.transaction('messages').objectStore('messages').getAll();
        read.onsuccess = () => {
          db.close();
          resolve((read.result as { message: { body: string } }[]).some((row) => row.message.body === text));
        };
        read.onerror = () => resolve(false);
      };
    });
  }, body);

/**
 * Resolves once the page has written `body` to its cache (about 300 ms after it is drawn). The page tells nobody when
 * it writes, so its database is read again every 50 ms, for at most 10 s.
 */
async function cachedInPage(page: Page, body: string): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    if (await cacheHolds(page, body)) return;
    await page.waitForTimeout(50);
  }
  throw new Error(`the page never cached "${body}"`);
}

/** Deletes every message the page cached (through a second connection to its database). */
const emptyCache = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const open = (globalThis as any).indexedDB.open('chat-message-cache');
        open.onerror = () => reject(new Error('the cache did not open'));
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(['messages', 'channels'], 'readwrite');
          tx.objectStore('messages').clear();
          tx.objectStore('channels').clear();
          tx.oncomplete = () => {
            db.close();
            resolve();
          };
          tx.onerror = () => reject(new Error('the cache was not emptied'));
        };
      }),
  );

/** Milliseconds from the start of the page's load to its first message drawn (its `chat:first-message` mark). */
const firstMessageAt = async (page: Page): Promise<number> => {
  await page.waitForFunction(() => performance.getEntriesByName('chat:first-message').length > 0);
  return page.evaluate(() => performance.getEntriesByName('chat:first-message')[0].startTime);
};

/** Resolves once the page's service worker is active (it has kept the page and its assets). */
const serviceWorkerReady = (page: Page) =>
  page.evaluate(async () => {
    await (globalThis as any).navigator.serviceWorker.ready;
  });

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

describeWithBrowser('the web page without a server', () => {
  const pages = useBuiltPages();

  describe.each(eachProfile)('(%s)', (profileName, profile) => {
    const chat = useChatServer(profile, {
      relay: { sweepIntervalMs: 100, sweepAfterMs: 200 },
      env: { WEB_APP_DIR: pages.dir },
    });
    const general = defaultChannelId('general');
    const rows = (page: Page) => page.locator('ol.messages > li');
    const messageRow = (page: Page, body: string) =>
      rows(page).filter({ has: page.locator('.body', { hasText: body }) });
    const openAs = async (user: TestUser): Promise<Page> => {
      const page = await pages.openWithToken(`${chat.server.url}/app/`, user.token, DESKTOP);
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      return page;
    };
    const say = async (user: TestUser, body: string) => {
      const res = await user.send(general, body);
      if (res.errors) throw new Error(`send refused: ${JSON.stringify(res.errors)}`);
    };

    it('reloads from the service worker with the saved messages and the unsent ones, then catches up once', async () => {
      const user = await chat.user('traveller');
      const friend = await chat.user('friend');
      const page = await openAs(user);
      await say(friend, 'said before the outage');
      await messageRow(page, 'said before the outage').waitFor();
      await serviceWorkerReady(page);
      await cachedInPage(page, 'said before the outage');

      await chat.server.halt();
      const composer = page.getByLabel('Message #general');
      await composer.fill('typed without a server');
      await composer.press('Enter');
      await messageRow(page, 'typed without a server').locator('.state').waitFor();

      // The server is gone: the page itself, its scripts and styles come from the service worker.
      await page.reload();
      await page
        .getByRole('status')
        .filter({ hasText: 'Offline: these are the messages saved on this device.' })
        .waitFor();
      await messageRow(page, 'said before the outage').waitFor();
      const unsent = messageRow(page, 'typed without a server');
      await unsent.waitFor();
      expect(await unsent.getAttribute('data-state')).not.toBe('sent');
      expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);

      await chat.server.start();
      await say(friend, 'said while you were away');
      await messageRow(page, 'said while you were away').waitFor({ timeout: 40_000 });
      await page.locator('li[data-state="sent"]', { hasText: 'typed without a server' }).waitFor({ timeout: 40_000 });
      await page.getByRole('status').filter({ hasText: 'Offline: these are' }).waitFor({ state: 'hidden' });
      for (const body of ['said before the outage', 'said while you were away', 'typed without a server']) {
        expect(await messageRow(page, body).count()).toBe(1);
      }
      const stored = (await friend.history(general, { last: 100 })).data!.messages.edges;
      expect(stored.filter((e) => e.node.body === 'typed without a server')).toHaveLength(1);

      // Signing out leaves nothing of the user on the device: no cached message, no saved viewer or channels.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Send me a code' }).waitFor();
      expect(await cacheHolds(page, 'said before the outage')).toBe(false);
      const saved = await page.evaluate(() =>
        ['chat.viewer', 'chat.channels', 'chat.token'].map((key) => (globalThis as any).localStorage.getItem(key)),
      );
      expect(saved).toEqual([null, null, null]);
    });

    it('draws the first message sooner from the cache (measured, printed; not asserted)', async () => {
      const user = await chat.user('timer');
      const friend = await chat.user('friend');
      for (let i = 1; i <= 25; i++) await say(friend, `message ${i}`);
      const times = { cold: [] as number[], assetsOnly: [] as number[], cached: [] as number[] };
      for (let run = 0; run < 5; run++) {
        // A new browser profile: nothing cached, no service worker yet.
        const page = await openAs(user);
        times.cold.push(await firstMessageAt(page));
        await serviceWorkerReady(page);
        await cachedInPage(page, 'message 25');
        // The same profile again: the page from the service worker, the messages of #general from the cache.
        await page.reload();
        times.cached.push(await firstMessageAt(page));
        // The page from the service worker, but no messages cached: what the message cache alone saves.
        await emptyCache(page);
        await page.reload();
        times.assetsOnly.push(await firstMessageAt(page));
        await page.context().close();
      }
      const show = (values: number[]) =>
        `${median(values).toFixed(0)} ms (${values.map((v) => v.toFixed(0)).join(', ')})`;
      console.log(
        `first message drawn after page load (${profileName}), median of 5: new profile ${show(times.cold)}; ` +
          `page from the service worker, no messages cached ${show(times.assetsOnly)}; ` +
          `page and messages cached ${show(times.cached)}`,
      );
      for (const values of Object.values(times)) expect(values).toHaveLength(5);
    });
  });
});
