import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { MessageKind, SystemEvent } from '../entities';
import { ChangeType, changeView, type ChangeView, type MessageView } from '../services/views';

/**
 * Signs and checks what the server instances tell each other through the broker, with a key derived from
 * AUTH_SECRET (which production refuses to take from a published example): a payload that anyone else put on a
 * topic, even one who could publish there, fails the check and is dropped, so it can never stand in for a stored
 * message.
 */
export class PayloadSigner {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('mqtt-payload-signature').digest();
  }

  /** The JSON of `value` with a last member `sig` that signs the rest. */
  seal(value: object): Buffer {
    const signed = JSON.stringify(value);
    return Buffer.from(`${signed.slice(0, -1)},"sig":${JSON.stringify(this.sign(signed))}}`);
  }

  /**
   * The object a sealed payload holds (without `sig`), or undefined when it is not JSON, not an object, or its
   * signature is missing or wrong. Re-serialising the parsed members gives back the signed text (JSON.stringify keeps
   * the order the members arrived in), so anything altered fails the check.
   */
  open(payload: Buffer): Record<string, unknown> | undefined {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      return undefined;
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
    const { sig, ...signed } = json as Record<string, unknown>;
    if (typeof sig !== 'string') return undefined;
    const expected = Buffer.from(this.sign(JSON.stringify(signed)));
    const given = Buffer.from(sig);
    return given.length === expected.length && timingSafeEqual(given, expected) ? signed : undefined;
  }

  private sign(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('base64url');
  }
}

/** The `type` of an MQTT payload of each change type. */
const CHANGE_TYPES = { [ChangeType.UPDATED]: 'message.updated', [ChangeType.DELETED]: 'message.deleted' } as const;

/** What a payload on a channel's topic carries: a new message, or an edit or deletion at the change position `rev`. */
export type ChannelEvent = { type: 'message.created'; message: MessageView } | { type: 'change'; change: ChangeView };

const messageJson = (message: MessageView) => ({
  id: message.id,
  channelId: message.channelId,
  seq: message.seq,
  kind: message.kind,
  body: message.body,
  sender: message.sender,
  systemEvent: message.systemEvent,
  clientMessageId: message.clientMessageId,
  createdAt: message.createdAt.toISOString(),
  editedAt: message.editedAt?.toISOString() ?? null,
  deletedAt: message.deletedAt?.toISOString() ?? null,
  rev: message.rev,
});

/**
 * The MQTT payload of a stored message (contract, "Real-time delivery"): UTF-8 JSON
 * `{"v":1,"type":"message.created","message":{…},"sig":"…"}` on `{prefix}/channel/{channelId}`. `sig` signs the
 * rest of the payload for the server's own bridge; direct clients ignore it.
 */
export function encodePayload(message: MessageView, signer: PayloadSigner): Buffer {
  return signer.seal({ v: 1, type: 'message.created', message: messageJson(message) });
}

/**
 * The MQTT payload of an edit or deletion, on the same topic: `{"v":1,"type":"message.updated","rev":7,"message":{…}}`
 * (or `"message.deleted"`), `message` as it is now (a deleted one with an empty body).
 */
export function encodeChangePayload(change: ChangeView, signer: PayloadSigner): Buffer {
  return signer.seal({ v: 1, type: CHANGE_TYPES[change.type], rev: change.rev, message: messageJson(change.message) });
}

const iso = z.iso.datetime().transform((v) => new Date(v));
const messageSchema = z.object({
  id: z.string().min(1).max(64),
  channelId: z.string().min(1).max(64),
  seq: z.number().int().positive(),
  kind: z.enum(MessageKind),
  body: z.string().max(20_000),
  sender: z.object({ id: z.string().min(1).max(64), displayName: z.string().max(256) }).nullable(),
  systemEvent: z.enum(SystemEvent).nullable(),
  clientMessageId: z.string().max(64).nullable(),
  createdAt: iso,
  // Absent from the payloads of servers older than edits (during a rolling deploy): an unchanged message.
  editedAt: iso.nullable().default(null),
  deletedAt: iso.nullable().default(null),
  rev: z.number().int().nonnegative().default(0),
});

const payloadSchema = z.discriminatedUnion('type', [
  z.object({ v: z.literal(1), type: z.literal('message.created'), message: messageSchema }),
  z.object({
    v: z.literal(1),
    type: z.enum(['message.updated', 'message.deleted']),
    rev: z.number().int().positive(),
    message: messageSchema,
  }),
]);

/**
 * Reads a payload received on `topicChannelId`'s topic.
 *
 * @returns the message or change, or undefined for anything that is not a well-formed event of that channel signed
 * by a server of this deployment (malformed JSON, wrong types, another version, a message claiming another channel,
 * a missing or wrong signature); the caller drops it.
 */
export function decodePayload(
  payload: Buffer,
  topicChannelId: string,
  signer: PayloadSigner,
): ChannelEvent | undefined {
  const signed = signer.open(payload);
  if (!signed) return undefined;
  const parsed = payloadSchema.safeParse(signed);
  if (!parsed.success || parsed.data.message.channelId !== topicChannelId) return undefined;
  const { data } = parsed;
  if (data.type === 'message.created') return { type: data.type, message: data.message };
  return { type: 'change', change: changeView(data.rev, data.message) };
}
