import { Duplex, pipeline, Transform, type TransformCallback } from 'node:stream';

/** A client announced an MQTT packet larger than the broker takes (or a length MQTT cannot encode). */
export class PacketTooLarge extends Error {
  override name = 'PacketTooLarge';
}

/**
 * Passes an MQTT byte stream through unchanged while reading each packet's fixed header, and fails the stream as
 * soon as a packet announces a length over `maxBytes` (header included): the broker behind it never buffers such a
 * packet, whatever length it claims. Aedes has no limit of its own (mqtt-packet buffers whatever length a packet
 * announces); Mosquitto's equivalent is `max_packet_size`.
 */
export class MqttPacketLimit extends Transform {
  private state: 'header' | 'length' | 'body' = 'header';
  private length = 0;
  private lengthBytes = 0;
  private remaining = 0;

  constructor(private maxBytes: number) {
    super();
  }

  /** Lets packets of any size through from now on (for a connection found to be trusted). */
  lift(): void {
    this.maxBytes = Infinity;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    for (let i = 0; i < chunk.length; ) {
      if (this.state === 'body') {
        const taken = Math.min(this.remaining, chunk.length - i);
        this.remaining -= taken;
        i += taken;
        if (this.remaining === 0) this.state = 'header';
        continue;
      }
      const byte = chunk[i++];
      if (this.state === 'header') {
        this.state = 'length';
        this.length = 0;
        this.lengthBytes = 0;
        continue;
      }
      // The remaining length: up to four bytes of seven bits each, least significant first.
      this.length += (byte & 0x7f) * 128 ** this.lengthBytes;
      this.lengthBytes += 1;
      if (1 + this.lengthBytes + this.length > this.maxBytes) {
        done(new PacketTooLarge(`an MQTT packet larger than ${this.maxBytes} bytes was refused`));
        return;
      }
      if (byte & 0x80) {
        if (this.lengthBytes === 4) {
          done(new PacketTooLarge('an MQTT packet with a malformed length was refused'));
          return;
        }
        continue;
      }
      this.remaining = this.length;
      this.state = this.remaining === 0 ? 'header' : 'body';
    }
    done(null, chunk);
  }
}

/**
 * The connection a broker should read: what `connection` sends, through `limit` (then through `after`, in order), and
 * what the broker writes, to `connection`. A packet over the limit destroys the connection.
 */
export function throughLimit(connection: Duplex, limit: MqttPacketLimit, ...after: Transform[]): Duplex {
  // pipeline destroys the connection when the limit fails, and the limit when the connection goes.
  pipeline([connection, limit, ...after], () => undefined);
  return Duplex.from({ readable: after.at(-1) ?? limit, writable: connection });
}
