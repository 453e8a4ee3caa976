import {
  type Channel,
  ChannelView,
  type ChatClient,
  type DisplayRow,
  displayRows,
  type Message,
  type MessageRow,
  type SendQueue,
  type Viewer,
} from '../../client';
import { h } from './dom';

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * One open channel: the newest page first, older pages when the list is scrolled to the top (or the button is
 * used), live messages, and a composer whose messages show as sending / not sent until the server has them. The
 * viewer's own messages offer Edit (the composer then edits that message) and Delete (after a confirmation).
 */
export class ChannelScreen {
  readonly element: HTMLElement;
  readonly view: ChannelView;
  private readonly list: HTMLOListElement;
  private readonly older = h('button', { type: 'button', class: 'older quiet' }, 'Load older messages');
  private readonly scroller: HTMLElement;
  private readonly stops: (() => void)[] = [];
  private loadingOlder = false;
  private readonly members = h('ul', { class: 'members', hidden: true, 'aria-label': 'Members' });
  private readonly offline = h(
    'p',
    { class: 'offline-note', role: 'status', hidden: true },
    'Offline: these are the messages saved on this device.',
  );
  /** Whether the page has marked when its first message was drawn (performance mark `chat:first-message`). */
  private static drawn = false;
  private readonly input: HTMLTextAreaElement;
  private readonly submit = h('button', { type: 'submit' }, 'Send');
  /** Shown above the composer while it edits a message, with why an edit or deletion failed. */
  private readonly notice = h('div', { class: 'composer-notice', hidden: true, role: 'status' });
  /** The message the composer is editing, if it is. */
  private editing: Message | undefined;
  /** An edit being saved: the composer waits for it. */
  private saving = false;

  constructor(
    private readonly client: ChatClient,
    private readonly queue: SendQueue,
    private readonly viewer: Viewer,
    readonly channel: Channel,
    back: () => void,
  ) {
    this.view = new ChannelView(client, channel.id, { userId: viewer.id });
    this.list = h('ol', { class: 'messages', role: 'log', 'aria-label': `Messages in #${channel.name}` });
    this.scroller = h('div', { class: 'scroller' }, this.older, this.list);
    const input = (this.input = h('textarea', {
      id: 'composer',
      rows: 1,
      'aria-label': `Message #${channel.name}`,
      maxlength: 4000,
    }));
    const composer = h('form', { class: 'composer', 'aria-label': 'Send a message' }, input, this.submit);
    const send = () => {
      if (!input.value.trim() || this.saving) return;
      if (this.editing) return void this.saveEdit(this.editing, input.value);
      void this.queue.enqueue(channel.id, input.value);
      input.value = '';
      this.scrollToBottom();
    };
    composer.addEventListener('submit', (event) => {
      event.preventDefault();
      send();
    });
    // Enter sends; Shift+Enter (or composing with an input method) makes a new line.
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        send();
      }
      if (event.key === 'Escape' && this.editing) this.stopEditing();
    });
    this.older.addEventListener('click', () => void this.loadOlder());
    this.scroller.addEventListener('scroll', () => {
      if (this.scroller.scrollTop < 80) void this.loadOlder();
      this.markShown();
    });
    this.element = h(
      'div',
      { class: 'channel-screen' },
      h(
        'header',
        { class: 'channel-head' },
        h('button', { type: 'button', class: 'back quiet', 'aria-label': 'Back to channels', onclick: back }, '‹'),
        h('h2', {}, `#${channel.name}`),
        channel.kind === 'DEFAULT'
          ? false
          : h(
              'button',
              { type: 'button', class: 'quiet', 'aria-expanded': 'false', onclick: () => void this.toggleMembers() },
              `Members (${channel.memberCount})`,
            ),
      ),
      this.members,
      this.offline,
      this.scroller,
      this.notice,
      composer,
    );
    this.stops.push(
      this.view.onChange(() => this.render()),
      this.queue.onChange(() => this.render()),
    );
    const onVisible = () => this.markShown();
    document.addEventListener('visibilitychange', onVisible);
    this.stops.push(() => document.removeEventListener('visibilitychange', onVisible));
  }

  async open(): Promise<void> {
    await this.view.open();
    this.render();
    this.scrollToBottom();
    this.markShown();
    (this.element.querySelector('#composer') as HTMLTextAreaElement).focus();
  }

  destroy(): void {
    for (const stop of this.stops) stop();
    this.view.close();
  }

  private async loadOlder(): Promise<void> {
    if (this.loadingOlder || !this.view.hasOlder) return;
    this.loadingOlder = true;
    const fromBottom = this.scroller.scrollHeight - this.scroller.scrollTop;
    try {
      await this.view.loadOlder();
    } finally {
      // Keep the messages the user was reading where they were.
      this.scroller.scrollTop = this.scroller.scrollHeight - fromBottom;
      this.loadingOlder = false;
    }
  }

  private render(): void {
    const atBottom = this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight < 48;
    const fromBottom = this.scroller.scrollHeight - this.scroller.scrollTop;
    const rows = displayRows(this.view.messages, this.queue.list(this.channel.id), this.viewer);
    this.list.replaceChildren(...rows.map((row) => this.row(row)));
    this.older.hidden = !this.view.hasOlder;
    this.offline.hidden = !this.view.offline;
    if (rows.length && !ChannelScreen.drawn) {
      ChannelScreen.drawn = true;
      performance.mark('chat:first-message');
    }
    if (this.view.error) {
      this.list.append(
        h('li', { class: 'row system', role: 'alert' }, `Live updates ended: ${this.view.error.message}`),
      );
    }
    if (atBottom) {
      this.scrollToBottom();
      this.markShown();
    } else this.scroller.scrollTop = this.scroller.scrollHeight - fromBottom;
  }

  /** Marks the channel read up to the newest message when it is on screen (the page visible, the list at its end). */
  private markShown(): void {
    if (document.visibilityState !== 'visible') return;
    const atBottom = this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight < 48;
    if (atBottom) void this.view.markShown().catch(() => undefined);
  }

  /** Shows or hides the member list, loading its first 100 members when shown. */
  private async toggleMembers(): Promise<void> {
    const button = this.element.querySelector<HTMLButtonElement>('.channel-head button[aria-expanded]')!;
    if (!this.members.hidden) {
      this.members.hidden = true;
      button.setAttribute('aria-expanded', 'false');
      return;
    }
    try {
      const page = await this.client.members(this.channel.id, { first: 100 });
      this.members.replaceChildren(...page.edges.map((edge) => h('li', {}, edge.node.displayName)));
      if (page.pageInfo.hasNextPage) this.members.append(h('li', { class: 'more' }, 'and more'));
    } catch (error) {
      this.members.replaceChildren(
        h('li', { role: 'alert' }, error instanceof Error ? error.message : 'Not available.'),
      );
    }
    this.members.hidden = false;
    button.setAttribute('aria-expanded', 'true');
  }

  /** Puts one of the viewer's messages in the composer to edit it. */
  private startEditing(message: Message): void {
    if (this.saving) return;
    this.editing = message;
    this.input.value = message.body;
    this.submit.textContent = 'Save';
    this.showNotice(
      'Editing your message',
      h('button', { type: 'button', class: 'quiet', onclick: () => this.stopEditing() }, 'Cancel'),
    );
    this.input.focus();
  }

  private stopEditing(): void {
    this.editing = undefined;
    this.input.value = '';
    this.submit.textContent = 'Send';
    this.notice.hidden = true;
  }

  private async saveEdit(message: Message, body: string): Promise<void> {
    this.saving = true;
    this.submit.disabled = true;
    try {
      this.view.add([await this.client.editMessage(message.id, body)]);
      if (this.editing === message) this.stopEditing();
    } catch (error) {
      this.showNotice(
        `Not saved: ${error instanceof Error ? error.message : 'try again'}`,
        h('button', { type: 'button', class: 'quiet', onclick: () => this.stopEditing() }, 'Cancel'),
      );
    } finally {
      this.saving = false;
      this.submit.disabled = false;
    }
  }

  private async remove(message: Message): Promise<void> {
    if (!window.confirm('Delete this message for everyone?')) return;
    try {
      this.view.add([await this.client.deleteMessage(message.id)]);
      if (this.editing?.id === message.id) this.stopEditing();
    } catch (error) {
      this.showNotice(`Not deleted: ${error instanceof Error ? error.message : 'try again'}`);
    }
  }

  private showNotice(text: string, ...actions: HTMLElement[]): void {
    this.notice.replaceChildren(h('span', {}, text), ...actions);
    this.notice.hidden = false;
  }

  /** Edit and Delete on the viewer's own stored messages that are not deleted. */
  private actions(row: MessageRow): HTMLElement | false {
    const message = row.message;
    if (!row.own || !message || row.deleted) return false;
    return h(
      'span',
      { class: 'actions' },
      h('button', { type: 'button', class: 'quiet', onclick: () => this.startEditing(message) }, 'Edit'),
      h('button', { type: 'button', class: 'quiet', onclick: () => void this.remove(message) }, 'Delete'),
    );
  }

  private row(row: DisplayRow): HTMLElement {
    if (row.type === 'system') {
      return h('li', { class: 'row system', 'data-seq': row.message.seq }, row.message.body);
    }
    const status =
      row.state === 'sent'
        ? false
        : row.state === 'failed'
          ? h(
              'span',
              { class: 'state failed' },
              `Not sent${row.outgoing?.error ? ` (${row.outgoing.error.code})` : ''}`,
              h('button', { type: 'button', class: 'quiet', onclick: () => void this.queue.retry(row.key) }, 'Retry'),
            )
          : h('span', { class: 'state' }, row.state === 'sending' ? 'Sending…' : 'Waiting…');
    return h(
      'li',
      {
        class: `row message${row.own ? ' own' : ''}${row.showSender ? ' first' : ''}${row.deleted ? ' deleted' : ''}`,
        'data-seq': row.message?.seq,
        'data-state': row.state,
      },
      row.showSender ? h('div', { class: 'sender' }, row.senderName) : false,
      h(
        'div',
        { class: 'bubble' },
        h('span', { class: 'body' }, row.body),
        row.edited ? h('span', { class: 'edited' }, 'edited') : false,
        h('time', { datetime: row.createdAt }, time(row.createdAt)),
      ),
      this.actions(row),
      status,
    );
  }

  private scrollToBottom(): void {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }
}
