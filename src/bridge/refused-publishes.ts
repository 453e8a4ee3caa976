import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';

const PUBLISH = 3;

/**
 * Passes an MQTT byte stream on to the broker, except, once {@link RefusedPublishes.refuse} is called, the PUBLISH
 * packets of the connection: those are dropped before the broker reads them and acknowledged as a client that may
 * not publish is by Mosquitto (MQTT 3.1.1 allows that or closing the connection, MQTT-3.3.5-2; Aedes only closes
 * it): nothing at QoS 0, a PUBACK at QoS 1, a PUBREC at QoS 2 (the broker answers the PUBREL that follows with a
 * PUBCOMP, as it does for any). Nothing is published and the connection stays open.
 *
 * It is not the check that keeps a client from publishing, only a gentler answer to it: a PUBLISH that is malformed
 * (QoS 3, a topic that is empty, not UTF-8 or with a wildcard, no packet identifier) and every PUBLISH read before
 * `refuse` are passed on, and the broker's `authorizePublish` must refuse them (Aedes then closes the connection,
 * as Mosquitto does on a malformed packet).
 */
export class RefusedPublishes extends Transform {
  private answer: ((packet: Buffer) => void) | undefined;
  private state: 'header' | 'length' | 'body' = 'header';
  private remaining = 0;
  private lengthBytes = 0;
  /** The pieces of the PUBLISH being withheld, while one is. */
  private held: Buffer[] | undefined;

  /** From the next packet on, drops this connection's PUBLISH packets; `answer` sends an acknowledgement back. */
  refuse(answer: (packet: Buffer) => void): void {
    this.answer = answer;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    // Bytes are passed on in runs: from `passed` while no PUBLISH is held, from `heldFrom` into `held` while one is.
    let passed = 0;
    let heldFrom = 0;
    for (let i = 0; i < chunk.length; ) {
      if (this.state === 'body') {
        const taken = Math.min(this.remaining, chunk.length - i);
        this.remaining -= taken;
        i += taken;
      } else if (this.state === 'header') {
        if (this.answer && chunk[i] >> 4 === PUBLISH) {
          if (i > passed) this.push(chunk.subarray(passed, i));
          this.held = [];
          heldFrom = i;
        }
        this.state = 'length';
        this.remaining = 0;
        this.lengthBytes = 0;
        i += 1;
        continue;
      } else {
        // The remaining length, as MqttPacketLimit (before this stream) has already checked it.
        const byte = chunk[i++];
        this.remaining += (byte & 0x7f) * 128 ** this.lengthBytes;
        this.lengthBytes += 1;
        if (byte & 0x80) continue;
        this.state = 'body';
      }
      if (this.state === 'body' && this.remaining === 0) {
        this.state = 'header';
        if (this.held) {
          this.held.push(chunk.subarray(heldFrom, i));
          this.settle(Buffer.concat(this.held));
          this.held = undefined;
          passed = i;
        }
      }
    }
    if (this.held) this.held.push(chunk.subarray(heldFrom));
    else if (passed < chunk.length) this.push(chunk.subarray(passed));
    done();
  }

  /** Acknowledges and drops a whole PUBLISH packet, or passes it on when it is malformed. */
  private settle(packet: Buffer): void {
    const qos = (packet[0] >> 1) & 0x03;
    let offset = 1;
    while (packet[offset] & 0x80) offset += 1;
    const body = packet.subarray(offset + 1);
    const topicEnd = body.length >= 2 ? 2 + body.readUInt16BE(0) : Infinity;
    const idEnd = topicEnd + (qos > 0 ? 2 : 0);
    const topic = body.subarray(2, topicEnd);
    const wellFormed =
      qos !== 3 &&
      idEnd <= body.length &&
      topic.length > 0 &&
      !topic.includes(0x23) && // '#'
      !topic.includes(0x2b) && // '+'
      !topic.includes(0x00) &&
      isUtf8(topic) &&
      (qos === 0 || body.readUInt16BE(topicEnd) !== 0);
    if (!wellFormed) {
      this.push(packet);
      return;
    }
    if (qos === 0) return;
    // PUBACK (0x40) or PUBREC (0x50), remaining length 2, the packet identifier.
    this.answer!(Buffer.from([qos === 1 ? 0x40 : 0x50, 0x02, body[topicEnd], body[topicEnd + 1]]));
  }
}
