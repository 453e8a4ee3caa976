import type { Message } from '../../client';
import { displayRows, type OutgoingMessage } from '../../client';

const ana = { id: 'u-ana', displayName: 'ana' };
const ben = { id: 'u-ben', displayName: 'ben' };
let seq = 0;
const user = (sender: typeof ana, body: string, clientMessageId = `c-${seq + 1}`): Message => ({
  id: `m-${++seq}`,
  channelId: 'general',
  seq,
  kind: 'USER',
  body,
  sender,
  systemEvent: null,
  clientMessageId,
  createdAt: new Date(Date.UTC(2026, 0, 1, 12, 0, seq)).toISOString(),
  editedAt: null,
  deletedAt: null,
  rev: 0,
});
const system = (body: string): Message => ({
  ...user(ana, body),
  kind: 'SYSTEM',
  sender: null,
  systemEvent: 'MEMBER_JOINED',
  clientMessageId: null,
});
const outgoing = (
  body: string,
  state: OutgoingMessage['state'],
  clientMessageId = `local-${body}`,
): OutgoingMessage => ({
  clientMessageId,
  channelId: 'general',
  body,
  state,
  queuedAt: Date.UTC(2026, 0, 1, 13),
  attempts: state === 'pending' ? 0 : 1,
});

/** Each row as `name|body` (name only where it shows), `~body~` for SYSTEM rows, `[state]` unless sent. */
const view = (rows: ReturnType<typeof displayRows>) =>
  rows.map((row) =>
    row.type === 'system'
      ? `~${row.message.body}~`
      : `${row.showSender ? row.senderName : ''}|${row.body}${row.state === 'sent' ? '' : ` [${row.state}]`}`,
  );

describe('displayRows (the seed design: grouped by consecutive sender, name on the first, SYSTEM apart)', () => {
  beforeEach(() => (seq = 0));

  it('shows the name on the first message of each run of one sender only', () => {
    const rows = displayRows([user(ana, 'hi'), user(ana, 'there'), user(ben, 'yo'), user(ana, 'back')]);
    expect(view(rows)).toEqual(['ana|hi', '|there', 'ben|yo', 'ana|back']);
    expect(rows.map((r) => r.type === 'message' && r.lastInGroup)).toEqual([false, true, true, true]);
  });

  it('makes SYSTEM messages rows of their own that break a group', () => {
    const rows = displayRows([user(ana, 'one'), system('ben joined'), user(ana, 'two'), user(ana, 'three')]);
    expect(view(rows)).toEqual(['ana|one', '~ben joined~', 'ana|two', '|three']);
    expect(rows[1]).toMatchObject({ type: 'system' });
    expect(rows[1]).not.toHaveProperty('senderName');
  });

  it("adds the viewer's unsent messages after the stored ones, in the viewer's group, with their state", () => {
    const rows = displayRows(
      [user(ben, 'question'), user(ana, 'answer')],
      [outgoing('more', 'sending'), outgoing('and more', 'failed')],
      ana,
    );
    expect(view(rows)).toEqual(['ben|question', 'ana|answer', '|more [sending]', '|and more [failed]']);
    expect(rows.slice(1).every((r) => r.type === 'message' && r.own)).toBe(true);
    expect(rows[0]).toMatchObject({ own: false });
  });

  it('shows a message once when it is both stored and still in the queue, keeping its key', () => {
    const stored = user(ana, 'hello', 'local-hello');
    const rows = displayRows([stored], [outgoing('hello', 'sending')], ana);
    expect(view(rows)).toEqual(['ana|hello']);
    expect(rows[0].key).toBe('local-hello');
  });

  it("does not hide another user's message that happens to carry the same clientMessageId", () => {
    const rows = displayRows([user(ben, 'theirs', 'local-mine')], [outgoing('mine', 'pending')], ana);
    expect(view(rows)).toEqual(['ben|theirs', 'ana|mine [pending]']);
  });

  it('starts a new group after a SYSTEM row even for the same sender, and handles an empty list', () => {
    expect(displayRows([])).toEqual([]);
    expect(view(displayRows([system('created'), user(ben, 'a'), user(ben, 'b'), system('x')]))).toEqual([
      '~created~',
      'ben|a',
      '|b',
      '~x~',
    ]);
  });
});
