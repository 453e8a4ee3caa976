import { type Channel, type ChatClient, ChatError, SendQueue, type Viewer } from '../../client';
import { ChannelScreen } from './channel-screen';
import { h } from './dom';
import { LocalQueueStorage } from './local-queue-storage';
import { savedSession } from './saved-session';

const KIND_LABEL = { DEFAULT: 'public', PRIVATE: 'private', PASSWORD: 'password' } as const;
const describe = (error: unknown) => (error instanceof ChatError ? error.message : 'Something went wrong.');

/**
 * The signed-in page: header (viewer, tier, buy a pass, sign out), channel list with joining and creating, and the
 * open channel. On a phone the list and the channel are two screens; on a wider window they sit side by side.
 */
export class ChatShell {
  readonly element: HTMLElement;
  private readonly list = h('ul', { class: 'channel-list' });
  private readonly side = h('nav', { class: 'side', 'aria-label': 'Channels' });
  private readonly pane = h('section', { class: 'pane', 'aria-label': 'Channel' });
  private readonly banner = h('p', { class: 'banner', role: 'status', hidden: true }, 'Reconnecting…');
  private readonly offlineBanner = h(
    'p',
    { class: 'banner offline', role: 'status', hidden: true },
    'Offline: showing what this device saved. Messages you send go out when the connection is back.',
  );
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private destroyed = false;
  private readonly alert = h('p', { class: 'alert', role: 'alert' });
  private queue: SendQueue | undefined;
  private screen: ChannelScreen | undefined;
  private stopWatching: (() => void) | undefined;
  private stopReads: (() => void) | undefined;
  /** The channels the list shows, as last read or told (read-position events update one at a time). */
  private channels: Channel[] = [];

  constructor(
    private readonly client: ChatClient,
    private viewer: Viewer,
  ) {
    this.element = h('div', { class: 'shell', 'data-view': 'list' });
  }

  async start(): Promise<void> {
    this.queue = await SendQueue.open(this.client, { storage: new LocalQueueStorage(`chat.queue.${this.viewer.id}`) });
    this.queue.onSent((message) => this.screen?.view.add([message]));
    this.stopWatching = this.client.onConnectionChange((state) => (this.banner.hidden = state !== 'reconnecting'));
    // Back online: the list and the open channel catch up at once instead of at their next retry.
    const online = () => {
      void this.refreshChannels();
      this.screen?.view.reconnect();
    };
    window.addEventListener('online', online);
    const stopOnline = () => window.removeEventListener('online', online);
    // A channel marked read here or on another of the user's devices loses its badge.
    const stopReads = this.client.followReadPositions((changed) => {
      this.channels = this.channels.map((channel) => (channel.id === changed.id ? changed : channel));
      this.renderList();
    });
    this.stopReads = () => {
      stopReads();
      stopOnline();
    };
    this.render();
    const general = (await this.refreshChannels()).find((c) => c.kind === 'DEFAULT');
    // On a wide window, open the first public channel; a phone starts on the list.
    if (general && matchMedia('(min-width: 48rem)').matches) await this.open(general);
  }

  destroy(): void {
    this.destroyed = true;
    clearTimeout(this.retryTimer);
    this.screen?.destroy();
    this.stopWatching?.();
    this.stopReads?.();
    void this.queue?.close();
  }

  private render(): void {
    const tier =
      this.viewer.tier === 'FREE'
        ? 'Free'
        : `${this.viewer.tier === 'PLUS' ? 'Plus' : 'Pro'} until ${new Date(this.viewer.tierExpiresAt!).toLocaleDateString()}`;
    const header = h(
      'header',
      { class: 'top' },
      h('h1', {}, 'Chat'),
      h(
        'span',
        { class: 'who' },
        this.viewer.displayName,
        ' · ',
        h('span', { class: 'tier', 'data-tier': this.viewer.tier }, tier),
      ),
      h('button', { type: 'button', onclick: () => void this.showPlans() }, 'Buy a pass'),
      h('button', { type: 'button', onclick: () => void this.client.logout() }, 'Sign out'),
    );
    this.side.replaceChildren(h('h2', {}, 'Channels'), this.list, this.createForm());
    this.pane.replaceChildren(h('p', { class: 'empty' }, 'Pick a channel.'));
    this.element.replaceChildren(
      header,
      this.banner,
      this.offlineBanner,
      this.alert,
      h('div', { class: 'layout' }, this.side, this.pane),
    );
  }

  /**
   * Reads the channels again, redraws the list and resolves with the channels it shows. Without an answer (offline),
   * it shows the list this device saved, says it is offline, and tries again every 5 s (or when back online).
   */
  private async refreshChannels(): Promise<Channel[]> {
    clearTimeout(this.retryTimer);
    try {
      const channels = await this.client.channels();
      // Signed out (or another user in) meanwhile: nothing of this page is kept.
      if (this.destroyed) return channels;
      this.channels = channels;
      savedSession.saveChannels(this.viewer.id, this.channels);
      this.offlineBanner.hidden = true;
    } catch (error) {
      if (!(error instanceof ChatError) || !error.transient) throw error;
      if (this.destroyed) return this.channels;
      if (!this.channels.length) this.channels = savedSession.channels(this.viewer.id) ?? [];
      this.offlineBanner.hidden = false;
      this.retryTimer = setTimeout(() => void this.refreshChannels().catch(() => undefined), 5000);
    }
    this.renderList();
    return this.channels;
  }

  private renderList(): void {
    this.list.replaceChildren(
      ...this.channels.map((channel) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              class: 'channel',
              'aria-current': this.screen?.channel.id === channel.id ? 'true' : undefined,
              onclick: () => void this.choose(channel),
            },
            `#${channel.name}`,
            h('span', { class: 'kind' }, KIND_LABEL[channel.kind]),
            channel.canAccess ? '' : h('span', { class: 'locked' }, 'join'),
            channel.unreadCount > 0
              ? h(
                  'span',
                  { class: 'unread', 'aria-label': `${channel.unreadCount} unread` },
                  // The count looks at the newest 1,000 messages.
                  channel.unreadCount >= 1000 ? '999+' : String(channel.unreadCount),
                )
              : '',
          ),
        ),
      ),
    );
  }

  private async choose(channel: Channel): Promise<void> {
    this.alert.textContent = '';
    if (channel.canAccess) return this.open(channel);
    if (channel.kind !== 'PASSWORD') return;
    const password = h('input', { id: 'join-password', type: 'password', required: true, autocomplete: 'off' });
    const form = h(
      'form',
      { class: 'stack', 'aria-label': `Join #${channel.name}` },
      h('label', { for: 'join-password' }, `Password for #${channel.name}`),
      password,
      h('button', { type: 'submit' }, 'Join'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.client
        .joinChannel(channel.id, password.value)
        .then(async (joined) => {
          form.remove();
          await this.refreshChannels();
          await this.open(joined);
        })
        .catch((error: unknown) => (this.alert.textContent = describe(error)));
    });
    this.side.querySelector('form[aria-label^="Join"]')?.remove();
    this.list.after(form);
    password.focus();
  }

  private async open(channel: Channel): Promise<void> {
    this.screen?.destroy();
    this.screen = new ChannelScreen(this.client, this.queue!, this.viewer, channel, () => this.back());
    this.pane.replaceChildren(this.screen.element);
    this.element.dataset.view = 'channel';
    await this.refreshChannels();
    await this.screen.open().catch((error: unknown) => (this.alert.textContent = describe(error)));
  }

  private back(): void {
    this.element.dataset.view = 'list';
  }

  private createForm(): HTMLElement {
    const kinds = this.viewer.tier === 'PRO' ? ['PRIVATE', 'PASSWORD'] : this.viewer.tier === 'PLUS' ? ['PRIVATE'] : [];
    if (kinds.length === 0) return h('p', { class: 'hint' }, 'A Plus or Pro pass lets you create channels.');
    const name = h('input', { id: 'new-name', required: true, maxlength: 64 });
    const kind = h('select', { id: 'new-kind' }, ...kinds.map((k) => h('option', { value: k }, k.toLowerCase())));
    const password = h('input', { id: 'new-password', type: 'password', minlength: 4, autocomplete: 'new-password' });
    const passwordField = h(
      'div',
      { class: 'stack', hidden: true },
      h('label', { for: 'new-password' }, 'Password'),
      password,
    );
    kind.addEventListener('change', () => {
      passwordField.hidden = kind.value !== 'PASSWORD';
      password.required = kind.value === 'PASSWORD';
    });
    const form = h(
      'form',
      { class: 'stack create', 'aria-label': 'New channel' },
      h('h2', {}, 'New channel'),
      h('label', { for: 'new-name' }, 'Name'),
      name,
      h('label', { for: 'new-kind' }, 'Kind'),
      kind,
      passwordField,
      h('button', { type: 'submit' }, 'Create'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.client
        .createChannel({
          name: name.value,
          kind: kind.value as 'PRIVATE' | 'PASSWORD',
          ...(kind.value === 'PASSWORD' ? { password: password.value } : {}),
        })
        .then(async (created) => {
          form.reset();
          passwordField.hidden = true;
          await this.open(created);
        })
        .catch((error: unknown) => (this.alert.textContent = describe(error)));
    });
    return form;
  }

  private async showPlans(): Promise<void> {
    const plans = await this.client.plans();
    const price = (amount: number, currency: string) =>
      new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(amount / 100);
    const dialog = h(
      'section',
      { class: 'plans', role: 'dialog', 'aria-label': 'Buy a pass' },
      h('h2', {}, 'Buy a pass'),
      h('p', {}, 'Passes are paid once and end by themselves; nothing renews.'),
      ...plans.map((plan) =>
        h(
          'button',
          {
            type: 'button',
            onclick: () =>
              void this.client
                .startCheckout(plan.id)
                .then((session) => location.assign(session.url))
                .catch((error: unknown) => (this.alert.textContent = describe(error))),
          },
          `${plan.tier === 'PLUS' ? 'Plus' : 'Pro'} for ${plan.days} days · ${price(plan.amount, plan.currency)}`,
        ),
      ),
      h('button', { type: 'button', class: 'quiet', onclick: () => dialog.remove() }, 'Close'),
    );
    this.element.querySelector('.plans')?.remove();
    this.banner.after(dialog);
  }
}
