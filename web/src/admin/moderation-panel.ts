import { type ChatClient, ChatError } from '../../../client';
import { BanUser, ModerationLog, RecentMessages, SearchUsers, UnbanUser } from '../../../client/operations';
import type { SearchUsersQuery } from '../../../client/generated/graphql';
import { h } from '../dom';

type Account = SearchUsersQuery['searchUsers'][number];

const describe = (error: unknown) => (error instanceof ChatError ? error.message : 'Something went wrong.');
const when = (iso: string) => new Date(iso).toLocaleString();
const DAY_MS = 24 * 60 * 60 * 1000;
/** The ban lengths offered, in days; 0 is a ban without end. */
const BAN_DAYS = [1, 7, 30, 0];

/**
 * The page's moderation: the newest messages of every channel with Delete, a search of users by email with Ban and
 * Unban, and the newest entries of the moderation log. Every action reads the lists again.
 */
export class ModerationPanel {
  readonly element: HTMLElement;
  private readonly recent = h('ol', { class: 'admin-list', 'aria-label': 'Recent messages' });
  private readonly found = h('ul', { class: 'admin-list', 'aria-label': 'Users found' });
  private readonly log = h('ol', { class: 'admin-list', 'aria-label': 'Moderation log' });
  private readonly alert = h('p', { class: 'alert', role: 'alert' });
  private readonly email = h('input', {
    id: 'user-search',
    type: 'search',
    name: 'email',
    minlength: 3,
    required: true,
  });
  private lastSearch = '';

  constructor(private readonly client: ChatClient) {
    const search = h(
      'form',
      { class: 'inline', 'aria-label': 'Find users' },
      h('label', { for: 'user-search' }, 'Find users by email'),
      this.email,
      h('button', { type: 'submit' }, 'Search'),
    );
    search.addEventListener('submit', (event) => {
      event.preventDefault();
      this.lastSearch = this.email.value;
      void this.act(() => this.search());
    });
    this.element = h(
      'section',
      { class: 'moderation', 'aria-label': 'Moderation' },
      h('h2', {}, 'Moderation'),
      this.alert,
      h('div', { class: 'panel' }, h('h3', {}, 'Recent messages'), this.recent),
      h('div', { class: 'panel' }, h('h3', {}, 'Users'), search, this.found),
      h('div', { class: 'panel' }, h('h3', {}, 'Moderation log'), this.log),
    );
  }

  /** Reads the recent messages, the log and the last search again. */
  async refresh(): Promise<void> {
    await this.act(async () => {
      await Promise.all([this.loadRecent(), this.loadLog(), this.lastSearch ? this.search() : undefined]);
    });
  }

  /** Runs an action, shows what went wrong, and reads the lists again after a change. */
  private async act(work: () => Promise<unknown>, changes = false): Promise<void> {
    this.alert.textContent = '';
    try {
      await work();
      if (changes) await this.refresh();
    } catch (error) {
      this.alert.textContent = describe(error);
    }
  }

  private async loadRecent(): Promise<void> {
    const { recentMessages } = await this.client.request(RecentMessages, { first: 20 });
    this.recent.replaceChildren(
      ...recentMessages.map(({ channelName, message }) =>
        h(
          'li',
          { 'data-message': message.id },
          h(
            'span',
            { class: 'meta' },
            `#${channelName} · ${message.sender?.displayName ?? '?'} · ${when(message.createdAt)}`,
          ),
          h('span', { class: 'text' }, message.body),
          h(
            'button',
            {
              type: 'button',
              class: 'danger',
              'aria-label': `Delete “${message.body.slice(0, 40)}”`,
              onclick: () => {
                if (!confirm('Delete this message for everyone?')) return;
                void this.act(() => this.client.deleteMessage(message.id), true);
              },
            },
            'Delete',
          ),
        ),
      ),
    );
    if (recentMessages.length === 0) this.recent.append(h('li', { class: 'empty' }, 'No messages yet.'));
  }

  private async search(): Promise<void> {
    const { searchUsers } = await this.client.request(SearchUsers, { email: this.lastSearch });
    this.found.replaceChildren(...searchUsers.map((account) => this.accountRow(account)));
    if (searchUsers.length === 0) this.found.append(h('li', { class: 'empty' }, 'Nobody found.'));
  }

  private accountRow(account: Account): HTMLElement {
    const status = account.banned
      ? `banned ${account.bannedUntil ? `until ${when(account.bannedUntil)}` : 'without end'}: ${account.banReason ?? ''}`
      : 'active';
    const row = h(
      'li',
      { 'data-user': account.id, 'data-banned': String(account.banned) },
      h('span', { class: 'meta' }, `${account.email} · ${account.displayName} · ${status}`),
    );
    if (account.banned) {
      row.append(
        h(
          'button',
          {
            type: 'button',
            onclick: () => void this.act(() => this.client.request(UnbanUser, { userId: account.id }), true),
          },
          `Unban ${account.email}`,
        ),
      );
      return row;
    }
    const reason = h('input', {
      name: 'reason',
      required: true,
      maxlength: 500,
      'aria-label': `Reason to ban ${account.email}`,
    });
    const days = h(
      'select',
      { name: 'days', 'aria-label': `Ban length for ${account.email}` },
      ...BAN_DAYS.map((d) => h('option', { value: d }, d === 0 ? 'no end' : `${d} day${d > 1 ? 's' : ''}`)),
    );
    const form = h(
      'form',
      { class: 'inline' },
      reason,
      days,
      h('button', { type: 'submit', class: 'danger' }, `Ban ${account.email}`),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const length = Number(days.value);
      const until = length === 0 ? null : new Date(Date.now() + length * DAY_MS).toISOString();
      void this.act(() => this.client.request(BanUser, { userId: account.id, reason: reason.value, until }), true);
    });
    row.append(form);
    return row;
  }

  private async loadLog(): Promise<void> {
    const { moderationLog } = await this.client.request(ModerationLog, { first: 20 });
    this.log.replaceChildren(
      ...moderationLog.edges.map(({ node }) =>
        h(
          'li',
          { 'data-action': node.action },
          h('span', { class: 'meta' }, when(node.createdAt)),
          h(
            'span',
            { class: 'text' },
            [
              node.action,
              node.actor ? `by ${node.actor.displayName}` : '',
              node.targetUser ? `on ${node.targetUser.displayName}` : '',
              node.reason ? `— ${node.reason}` : '',
            ]
              .filter(Boolean)
              .join(' '),
          ),
        ),
      ),
    );
    if (moderationLog.edges.length === 0) this.log.append(h('li', { class: 'empty' }, 'Nothing yet.'));
  }
}
