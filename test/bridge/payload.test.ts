import { decodePayload, encodeChangePayload, encodePayload, PayloadSigner } from '../../src/bridge/payload';
import { MessageKind } from '../../src/entities';
import { ChangeType, type MessageView } from '../../src/services/views';

const signer = new PayloadSigner('a secret of the deployment');
const message: MessageView = {
  id: 'm1',
  channelId: 'c1',
  seq: 3,
  kind: MessageKind.USER,
  body: 'hi',
  sender: { id: 'u1', displayName: 'ana' },
  systemEvent: null,
  clientMessageId: 'c-1',
  createdAt: new Date('2026-01-31T12:00:00.000Z'),
  editedAt: null,
  deletedAt: null,
  rev: 0,
};

describe('MQTT payloads', () => {
  it('reads back a new message and a change, each as what it is', () => {
    expect(decodePayload(encodePayload(message, signer), 'c1', signer)).toEqual({ type: 'message.created', message });
    const deleted = { ...message, body: '', deletedAt: new Date('2026-01-31T12:05:00.000Z'), rev: 4 };
    const change = { rev: 4, type: ChangeType.DELETED, message: deleted };
    const payload = encodeChangePayload(change, signer);
    expect(JSON.parse(payload.toString())).toMatchObject({ v: 1, type: 'message.deleted', rev: 4 });
    expect(decodePayload(payload, 'c1', signer)).toEqual({ type: 'change', change });
  });

  it('reads the payload of a server older than edits (no editedAt, deletedAt, rev) as an unchanged message', () => {
    const { editedAt: _e, deletedAt: _d, rev: _r, ...older } = message;
    const payload = signer.seal({
      v: 1,
      type: 'message.created',
      message: { ...older, createdAt: older.createdAt.toISOString() },
    });
    expect(decodePayload(payload, 'c1', signer)).toEqual({ type: 'message.created', message });
  });

  it('drops a change of another channel, one without its rev, and an unsigned one', () => {
    const change = { rev: 1, type: ChangeType.UPDATED, message: { ...message, body: 'hi!', rev: 1 } };
    const sealed = encodeChangePayload(change, signer);
    expect(decodePayload(sealed, 'another channel', signer)).toBeUndefined();
    const { sig: _sig, ...unsigned } = JSON.parse(sealed.toString());
    expect(decodePayload(Buffer.from(JSON.stringify(unsigned)), 'c1', signer)).toBeUndefined();
    const { rev: _rev, ...withoutRev } = unsigned;
    expect(decodePayload(signer.seal(withoutRev), 'c1', signer)).toBeUndefined();
  });
});
