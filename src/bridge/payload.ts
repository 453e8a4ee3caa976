import { z } from 'zod';
import { MessageKind, SystemEvent } from '../entities';
import type { MessageView } from '../services/views';

/**
 * The MQTT payload of a stored message (contract, "Real-time delivery"): UTF-8 JSON
 * `{"v":1,"type":"message.created","message":{…}}` on `{prefix}/channel/{channelId}`.
 */
export function encodePayload(message: MessageView): Buffer {
  return Buffer.from(
    JSON.stringify({
      v: 1,
      type: 'message.created',
      message: {
        id: message.id,
        channelId: message.channelId,
        seq: message.seq,
        kind: message.kind,
        body: message.body,
        sender: message.sender,
        systemEvent: message.systemEvent,
        clientMessageId: message.clientMessageId,
        createdAt: message.createdAt.toISOString(),
      },
    }),
  );
}

const payloadSchema = z.object({
  v: z.literal(1),
  type: z.literal('message.created'),
  message: z.object({
    id: z.string().min(1).max(64),
    channelId: z.string().min(1).max(64),
    seq: z.number().int().positive(),
    kind: z.enum(MessageKind),
    body: z.string().max(20_000),
    sender: z.object({ id: z.string().min(1).max(64), displayName: z.string().max(256) }).nullable(),
    systemEvent: z.enum(SystemEvent).nullable(),
    clientMessageId: z.string().max(64).nullable(),
    createdAt: z.iso.datetime().transform((v) => new Date(v)),
  }),
});

/**
 * Reads a payload received on `topicChannelId`'s topic.
 *
 * @returns the message, or undefined for anything that is not a well-formed message of that channel (malformed
 * JSON, wrong types, another version, a message claiming another channel); the caller drops it.
 */
export function decodePayload(payload: Buffer, topicChannelId: string): MessageView | undefined {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success || parsed.data.message.channelId !== topicChannelId) return undefined;
  return parsed.data.message;
}
