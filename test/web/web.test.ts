import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Tier } from '../../src/entities';
import { defaultChannelId } from '../../src/services/channel.service';
import { ARTIFACTS, DESKTOP, describeWithBrowser, expectText, PHONE, useBuiltPages } from '../support/browser';
import { JOIN, type TestUser, uniqueEmail } from '../support/chat';
import { eachProfile } from '../support/profiles';
import { codeIn } from '../support/smtp-sink';
import { anotherSession, useChatServer } from '../support/chat-server';
import type { TestServer } from '../support/test-server';

describeWithBrowser('web page at /app', () => {
  const pages = useBuiltPages();

  describe.each(eachProfile)('(%s)', (profileName, profile) => {
    let server: TestServer;

    const chat = useChatServer(profile, {
      relay: { sweepIntervalMs: 100, sweepAfterMs: 200 },
      env: {
        WEB_APP_DIR: pages.dir,
        DEFAULT_CHANNELS: 'general,archive',
      },
    });
    beforeAll(async () => {
      server = chat.server;
    });

    /** A new browser profile signed in through the page with the mailed code; resolves on the signed-in page. */
    const signIn = async (
      tag: string,
      device: object = DESKTOP,
      origin = server.url,
    ): Promise<{ page: Page; name: string }> => {
      const page = await (await pages.context(device)).newPage();
      const email = uniqueEmail(tag);
      await page.goto(`${origin}/app/`);
      await page.getByLabel('Email', { exact: true }).fill(email);
      await page.getByRole('button', { name: 'Send me a code' }).click();
      await page.getByText(`We mailed a 6-digit code to ${email}.`).waitFor();
      await page.getByLabel('Code', { exact: true }).fill(codeIn(await chat.sink.nextMailTo(email)));
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      return { page, name: email.split('@')[0] };
    };
    /** A new browser profile on the page, signed in with `user`'s session (a device of theirs). */
    const openAs = async (user: TestUser, device: object = DESKTOP): Promise<Page> => {
      const page = await pages.openWithToken(`${server.url}/app/`, user.token, device);
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      return page;
    };
    const rows = (page: Page) => page.locator('ol.messages > li');
    const messageRow = (page: Page, body: string) =>
      rows(page).filter({ has: page.locator('.body', { hasText: body }) });

    it('shows one user’s messages live to another, grouped under one name', async () => {
      const ana = await signIn('ana');
      const ben = await signIn('ben');
      for (const { page } of [ana, ben]) await page.getByRole('log', { name: 'Messages in #general' }).waitFor();

      const composer = ana.page.getByLabel('Message #general');
      await composer.fill('hello from ana');
      await composer.press('Enter');
      await composer.fill('second line\nwith a newline');
      await composer.press('Shift+Enter');
      await composer.press('Enter');

      const first = messageRow(ben.page, 'hello from ana');
      const second = messageRow(ben.page, 'with a newline');
      await second.waitFor();
      await expectText(first.locator('.sender'), ana.name);
      expect(await second.locator('.sender').count()).toBe(0);
      expect(await second.locator('.body').innerText()).toBe('second line\nwith a newline');
      const [seqA, seqB] = [await first.getAttribute('data-seq'), await second.getAttribute('data-seq')];
      expect(Number(seqB)).toBe(Number(seqA) + 1);
      // The sender sees both as stored, once each.
      await ana.page.locator('li[data-state="sent"]', { hasText: 'with a newline' }).waitFor();
      expect(await messageRow(ana.page, 'hello from ana').count()).toBe(1);
    });

    it('loads older messages in order when the list is scrolled to the top', async () => {
      const archive = defaultChannelId('archive');
      for (let writer = 0; writer < 3; writer++) {
        const user = await chat.user(`writer${writer}`);
        for (let i = 0; i < 24; i++) await user.send(archive, `old ${writer * 24 + i + 1}`);
      }
      const { page } = await signIn('reader');
      await page.getByRole('button', { name: /#archive/ }).click();
      const log = page.getByRole('log', { name: 'Messages in #archive' });
      await log.locator('li', { hasText: 'old 72' }).waitFor();
      expect(await rows(page).count()).toBe(50);

      await page.locator('.scroller').evaluate((el) => el.scrollTo(0, 0));
      await log.locator('li', { hasText: 'old 1' }).first().waitFor();
      const seqs = (await rows(page).evaluateAll((els) => els.map((el) => el.getAttribute('data-seq')))).map(Number);
      // CHANNEL_CREATED is seq 1, then the 72 messages.
      expect(seqs).toEqual(Array.from({ length: 73 }, (_, i) => i + 1));
      expect(await page.getByRole('button', { name: 'Load older messages' }).isHidden()).toBe(true);
    });

    it('keeps a message typed while the server is down as not sent, then sends it once when it is back', async () => {
      const { page } = await signIn('steady');
      await page.getByRole('log', { name: 'Messages in #general' }).waitFor();
      await server.halt();
      const composer = page.getByLabel('Message #general');
      await composer.fill('typed during the outage');
      await composer.press('Enter');
      const row = messageRow(page, 'typed during the outage');
      await row.locator('.state').waitFor();
      expect(await row.getAttribute('data-state')).not.toBe('sent');
      await page.getByRole('status').filter({ hasText: 'Reconnecting' }).waitFor();

      await server.start();
      await page.locator('li[data-state="sent"]', { hasText: 'typed during the outage' }).waitFor({ timeout: 40_000 });
      expect(await row.count()).toBe(1);
      const reader = await chat.user('auditor');
      const stored = (await reader.history(defaultChannelId('general'), { last: 100 })).data!.messages.edges;
      expect(stored.filter((e) => e.node.body === 'typed during the outage')).toHaveLength(1);
    });

    it('sells a pass through the development checkout and then offers channel creation by tier', async () => {
      // Checkout returns to PUBLIC_URL (here its default, http://localhost:<port>): the page's session lives there.
      const { page } = await signIn('buyer', DESKTOP, server.url.replace('127.0.0.1', 'localhost'));
      await expectText(page.locator('.tier'), 'Free');
      await page.getByRole('button', { name: 'Buy a pass' }).click();
      await page.getByRole('button', { name: /^Plus for 30 days/ }).click();
      await page.getByRole('button', { name: 'Pay (development)' }).click();
      await page.getByRole('link', { name: 'Back to the chat' }).click();
      await expectText(page.locator('.tier'), 'Plus until');
      const kinds = await page.getByLabel('Kind', { exact: true }).locator('option').allInnerTexts();
      expect(kinds).toEqual(['private']);
      await page.getByLabel('Name', { exact: true }).fill('my room');
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('log', { name: 'Messages in #my room' }).locator('li.system').first().waitFor();
    });

    it('asks for the password of a PASSWORD channel before entering it', async () => {
      const owner = await chat.user('keeper', Tier.PRO);
      await owner.createChannel('PASSWORD', 'club', 'open sesame');
      const { page } = await signIn('guest');
      await page.getByRole('button', { name: /#club/ }).click();
      const password = page.getByLabel('Password for #club');
      await password.fill('wrong guess');
      await page.getByRole('button', { name: 'Join', exact: true }).click();
      await expectText(page.getByRole('alert').filter({ hasText: /password/i }), 'password');
      await password.fill('open sesame');
      await page.getByRole('button', { name: 'Join', exact: true }).click();
      await page.getByRole('log', { name: 'Messages in #club' }).locator('li.system').nth(1).waitFor();
      expect(await page.getByLabel('Password for #club').count()).toBe(0);
    });

    it("clears a channel's unread badge on the user's other page as soon as it is read on one", async () => {
      const owner = await chat.user('badger', Tier.PRO);
      const room = await owner.createChannel('PASSWORD', 'badges', 'open sesame');
      const reader = await chat.user('two-pages');
      await reader.gql(JOIN, { id: room, password: 'open sesame' });
      for (const body of ['one', 'two', 'three']) await owner.send(room, body);
      const first = await openAs(reader);
      const second = await openAs(await anotherSession(server, reader));
      const badge = (page: Page) => page.getByRole('button', { name: /#badges/ }).locator('.unread');
      for (const page of [first, second]) await expectText(badge(page), '3');

      await first.getByRole('button', { name: /#badges/ }).click();
      await first.getByRole('log', { name: 'Messages in #badges' }).locator('li', { hasText: 'three' }).waitFor();
      await badge(second).waitFor({ state: 'detached' });
      await badge(first).waitFor({ state: 'detached' });
      // With the reading page gone, a new message from someone else is unread again on the other.
      await first.close();
      await owner.send(room, 'four');
      await second.reload();
      await expectText(badge(second), '1');
    });

    it('lets a user edit and delete their own messages, and shows both live on another user’s page', async () => {
      const owner = await chat.user('editor', Tier.PRO);
      const room = await owner.createChannel('PASSWORD', 'drafts', 'open sesame');
      const mate = await chat.user('watcher');
      await mate.gql(JOIN, { id: room, password: 'open sesame' });
      const [mine, theirs] = [await openAs(owner), await openAs(mate)];
      for (const page of [mine, theirs]) await page.getByRole('button', { name: /#drafts/ }).click();
      const composer = mine.getByLabel('Message #drafts');
      await composer.fill('see you at noom');
      await composer.press('Enter');
      await messageRow(theirs, 'see you at noom').waitFor();
      // Only the sender is offered Edit and Delete.
      expect(await messageRow(theirs, 'see you at noom').getByRole('button', { name: 'Edit' }).count()).toBe(0);

      await messageRow(mine, 'see you at noom').getByRole('button', { name: 'Edit' }).click();
      await expectText(mine.locator('.composer-notice'), 'Editing your message');
      expect(await composer.inputValue()).toBe('see you at noom');
      await composer.fill('see you at noon');
      await composer.press('Enter');
      for (const page of [mine, theirs]) {
        await expectText(messageRow(page, 'see you at noon').locator('.edited'), 'edited');
        expect(await messageRow(page, 'see you at noom').count()).toBe(0);
      }
      expect(await composer.inputValue()).toBe('');

      mine.once('dialog', (dialog) => void dialog.accept());
      await messageRow(mine, 'see you at noon').getByRole('button', { name: 'Delete' }).click();
      for (const page of [mine, theirs]) {
        const deleted = page.locator('li.message.deleted');
        await expectText(deleted.locator('.body'), 'message deleted');
        expect(await deleted.getByRole('button').count()).toBe(0);
        expect(await rows(page).filter({ hasText: 'see you at noon' }).count()).toBe(0);
      }
    });

    it('lists the members of a PASSWORD channel', async () => {
      const owner = await chat.user('host', Tier.PRO);
      const room = await owner.createChannel('PASSWORD', 'crew', 'open sesame');
      const mate = await chat.user('mate');
      await mate.gql(JOIN, { id: room, password: 'open sesame' });
      const page = await openAs(mate);
      await page.getByRole('button', { name: /#crew/ }).click();
      await page.getByRole('button', { name: 'Members (2)' }).click();
      const members = page.getByRole('list', { name: 'Members' }).locator('li');
      await members.first().waitFor();
      expect(await members.allInnerTexts()).toEqual([owner.email.split('@')[0], mate.email.split('@')[0]]);
    });

    it('saves screenshots of the channel view on a phone and on a desktop', async () => {
      const seeder = await chat.user('dana');
      for (const body of ['Morning!', 'Anyone up for lunch?', 'The usual place']) {
        await seeder.send(defaultChannelId('general'), body);
      }
      for (const [device, options] of [
        ['phone', PHONE],
        ['desktop', DESKTOP],
      ] as const) {
        const { page } = await signIn(`shot-${device}`, options);
        if (device === 'phone') await page.getByRole('button', { name: /#general/ }).click();
        await page.getByLabel('Message #general').fill(`Hi from a ${device}`);
        await page.getByLabel('Message #general').press('Enter');
        await page.locator('li[data-state="sent"]', { hasText: `Hi from a ${device}` }).waitFor();
        const file = join(ARTIFACTS, `channel-${device}-${profileName}.png`);
        await page.screenshot({ path: file });
        expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
      }
    });
  });
});
