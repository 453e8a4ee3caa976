import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Tier } from '../../src/entities';
import { defaultChannelId } from '../../src/services/channel.service';
import { ARTIFACTS, DESKTOP, describeWithBrowser, expectText, PHONE, useBuiltPages } from '../support/browser';
import type { TestUser } from '../support/chat';
import { signedInUser, useChatServer } from '../support/chat-server';
import { codesOf, wsClient } from '../support/graphql';
import { eachProfile } from '../support/profiles';

const ADMIN = 'page-admin@example.com';
const CHARTS = ['active-users', 'messages-per-day', 'messages-per-hour', 'busiest-channels', 'passes-sold', 'revenue'];

describeWithBrowser('operations page at /admin', () => {
  const pages = useBuiltPages();

  describe.each(eachProfile)('(%s)', (profileName, profile) => {
    const chat = useChatServer(profile, {
      env: { WEB_APP_DIR: pages.dir, DEFAULT_CHANNELS: 'general', ADMIN_EMAILS: ADMIN },
    });
    const general = defaultChannelId('general');
    let admin: TestUser;
    beforeAll(async () => {
      admin = await signedInUser(chat.server, ADMIN);
      const writer = await chat.user('page-writer', Tier.PRO);
      const room = await writer.createChannel('PRIVATE', 'page-room');
      for (const body of ['Morning!', 'Anyone up for lunch?', 'The usual place']) await writer.send(general, body);
      for (const body of ['note to self', 'another note']) await writer.send(room, body);
      await chat.server.app.services.checkout.fulfil({
        checkoutSessionId: `cs-page-${profileName}`,
        userId: writer.id,
        planId: 'PLUS_30D',
      });
    });

    const openAdmin = async (device: object = DESKTOP): Promise<Page> => {
      const page = await pages.openWithToken(`${chat.server.url}/admin`, admin.token, device);
      await page.locator(`section.charts[data-drawn="${CHARTS.length}"]`).waitFor();
      return page;
    };
    /**
     * How many of the chart's pixels are painted in the colour of its first series (#2f6fde): its bars or line, as
     * axes, grid lines and labels are grey. A bar chart drawn without its data has none.
     */
    const seriesPixels = (page: Page, chart: string) =>
      page.locator(`figure[data-chart="${chart}"] canvas`).evaluate((canvas) => {
        const c = canvas as unknown as {
          width: number;
          height: number;
          getContext(kind: '2d'): {
            getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
          };
        };
        // Below the legend (whose swatches have the series' colour too).
        const top = 48;
        const { data } = c.getContext('2d').getImageData(0, top, c.width, c.height - top);
        let painted = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (Math.abs(data[i] - 0x2f) < 8 && Math.abs(data[i + 1] - 0x6f) < 8 && Math.abs(data[i + 2] - 0xde) < 8) {
            painted++;
          }
        }
        return painted;
      });

    it('draws every chart from adminStats, with the figures of the service', async () => {
      const page = await openAdmin();
      for (const chart of CHARTS) expect(await seriesPixels(page, chart)).toBeGreaterThan(100);
      await expectText(page.locator('figure[data-chart="messages-per-day"] .summary'), '5 in 30 days, 5 today');
      await expectText(page.locator('figure[data-chart="busiest-channels"] .summary'), '#general 3, #page-room 2');
      await expectText(page.locator('figure[data-chart="passes-sold"] .summary'), '1 PLUS, 1 PRO');
      await expectText(page.getByLabel('Now'), 'Sockets');
    });

    it('bans a user from the page: their socket closes, their requests are refused, and the log says so', async () => {
      const victim = await chat.user('page-victim');
      const { client, closed } = wsClient(chat.server.url, { authToken: victim.token });
      try {
        await new Promise<void>((resolve) => client.on('connected', () => resolve()));
        const page = await openAdmin();
        await page.getByLabel('Find users by email').fill(victim.email.slice(0, 14));
        await page.getByRole('button', { name: 'Search' }).click();
        const row = page.locator(`li[data-user="${victim.id}"]`);
        await row.getByLabel(`Reason to ban ${victim.email}`).fill('spam from the page');
        await row.getByRole('button', { name: `Ban ${victim.email}` }).click();
        await page.locator(`li[data-user="${victim.id}"][data-banned="true"]`).waitFor();

        expect(await closed).toBe(4403);
        expect(codesOf(await victim.gql('{ channels { id } }'))).toEqual(['UNAUTHENTICATED']);
        await expectText(page.getByRole('list', { name: 'Moderation log' }).locator('li').first(), 'BAN_USER');

        await page.getByRole('button', { name: `Unban ${victim.email}` }).click();
        await page.locator(`li[data-user="${victim.id}"][data-banned="false"]`).waitFor();
      } finally {
        await client.dispose();
      }
    });

    it('deletes a message from the list of recent messages', async () => {
      const writer = await chat.user('page-spammer');
      const spam = (await writer.send(general, 'buy cheap watches')).data!.sendMessage;
      const page = await openAdmin();
      page.on('dialog', (dialog) => void dialog.accept());
      const row = page.locator(`li[data-message="${spam.id}"]`);
      await row.getByRole('button', { name: /^Delete/ }).click();
      await row.waitFor({ state: 'detached' });
      const stored = (await writer.history(general, { last: 20 })).data!.messages.edges.map((e) => e.node);
      expect(stored.find((m) => m.id === spam.id)).toMatchObject({ body: '', deletedAt: expect.any(String) });
    });

    it('shows nothing of the service to a user who is not an admin', async () => {
      const user = await chat.user('page-nosy');
      const page = await pages.openWithToken(`${chat.server.url}/admin`, user.token);
      await expectText(page.getByRole('alert'), 'This page is for admins');
      expect(await page.locator('section.charts').count()).toBe(0);
    });

    it('saves screenshots of the page on a phone and on a desktop', async () => {
      for (const [device, options] of [
        ['phone', PHONE],
        ['desktop', DESKTOP],
      ] as const) {
        const page = await openAdmin(options);
        const file = join(ARTIFACTS, `admin-${device}-${profileName}.png`);
        await page.screenshot({ path: file, fullPage: true });
        expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
      }
    });
  });
});
