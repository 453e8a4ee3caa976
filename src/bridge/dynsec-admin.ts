import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';

const COMMAND_TOPIC = '$CONTROL/dynamic-security/v1';
const RESPONSE_TOPIC = '$CONTROL/dynamic-security/v1/response';
/** A PUBLISH's own bytes besides its payload: fixed header (≤ 5), topic (2 + 28), packet id (2), with room to spare. */
const PACKET_OVERHEAD = 64;

/** One dynamic-security command, e.g. `{ command: 'createRole', rolename: 'r' }`. */
export type DynsecCommand = Record<string, unknown> & { command: string };

/** The plugin's answer to one command. */
export interface DynsecAnswer {
  command: string;
  error?: string;
  data?: unknown;
}

/** Raised when the broker refused a command, did not answer in time, or could not be reached. */
export class DynsecError extends Error {
  override name = 'DynsecError';
}

export interface DynsecAdminOptions {
  /** The broker's `max_packet_size`: each PUBLISH of commands stays within it (default 65536). */
  maxPacketBytes?: number;
  /** How long one PUBLISH of commands may wait for the broker's acknowledgement and every answer (default 5 s). */
  answerTimeoutMs?: number;
}

/**
 * The dynamic security plugin's command topic, over a connection of its admin account.
 *
 * Commands go in as few PUBLISHes as fit the broker's packet size (a larger one would make Mosquitto drop the
 * connection), one PUBLISH at a time and in order, so a command may rely on the ones before it. Every answer is
 * matched by its correlation id. Nothing here leaves a promise that could reject unobserved.
 */
export class DynsecAdmin {
  private readonly waiting = new Map<string, (answer: DynsecAnswer) => void>();
  private readonly maxPayloadBytes: number;
  private readonly answerTimeoutMs: number;
  private subscribed: Promise<unknown> | undefined;

  constructor(
    private readonly client: MqttClient,
    private readonly logger: Logger,
    options: DynsecAdminOptions = {},
  ) {
    this.maxPayloadBytes = (options.maxPacketBytes ?? 65536) - PACKET_OVERHEAD;
    this.answerTimeoutMs = options.answerTimeoutMs ?? 5000;
    client.on('message', (topic, payload) => {
      if (topic === RESPONSE_TOPIC) this.answered(payload);
    });
    // A clean session forgets the subscription: take it again on every connection.
    client.on('connect', () => {
      this.subscribed = undefined;
    });
  }

  /** Whether the admin connection is up now. */
  get connected(): boolean {
    return this.client.connected;
  }

  /** Calls `listener` each time the admin connection comes up (true) or goes down (false). */
  watch(listener: (connected: boolean) => void): void {
    this.client.on('connect', () => listener(true));
    this.client.on('close', () => listener(false));
  }

  /**
   * Runs commands and resolves with their answers, in order.
   *
   * @throws DynsecError when the connection is down, the broker does not acknowledge and answer a PUBLISH within
   * `answerTimeoutMs`, a single command is larger than a packet, or an answer carries an error not listed in
   * `tolerated` (the commands before it have run; the ones after it in the same PUBLISH have run too, later
   * PUBLISHes have not been sent).
   */
  async run(commands: DynsecCommand[], tolerated: readonly string[] = []): Promise<DynsecAnswer[]> {
    const answers: DynsecAnswer[] = [];
    for (const batch of this.batches(commands)) {
      const batchAnswers = await this.publish(batch);
      for (const answer of batchAnswers) {
        if (answer.error && !tolerated.includes(answer.error)) {
          throw new DynsecError(`dynsec: ${answer.command} failed: ${answer.error}`);
        }
      }
      answers.push(...batchAnswers);
    }
    return answers;
  }

  /** Stops waiting for answers and closes the admin connection. */
  async close(): Promise<void> {
    this.waiting.clear();
    await this.client.endAsync(true);
  }

  /** Splits commands into PUBLISH payloads of at most `maxPayloadBytes` (`{"commands":[…]}`). */
  private *batches(commands: DynsecCommand[]): Generator<DynsecCommand[]> {
    const wrapper = Buffer.byteLength('{"commands":[]}');
    let batch: DynsecCommand[] = [];
    let bytes = wrapper;
    for (const command of commands) {
      // Each command travels with a correlation id (a UUID) and a comma.
      const size = Buffer.byteLength(JSON.stringify(command)) + 60;
      if (wrapper + size > this.maxPayloadBytes) {
        throw new DynsecError(`dynsec: a ${command.command} command is larger than the broker's packet size`);
      }
      if (bytes + size > this.maxPayloadBytes && batch.length > 0) {
        yield batch;
        batch = [];
        bytes = wrapper;
      }
      batch.push(command);
      bytes += size;
    }
    if (batch.length > 0) yield batch;
  }

  /** One PUBLISH of commands, and the answers to all of them. */
  private async publish(batch: DynsecCommand[]): Promise<DynsecAnswer[]> {
    if (!this.client.connected) throw new DynsecError('dynsec: the admin connection to the broker is down');
    this.subscribed ??= this.client.subscribeAsync(RESPONSE_TOPIC, { qos: 1 }).catch((error: unknown) => {
      // Not kept: the next command subscribes again.
      this.subscribed = undefined;
      throw error;
    });
    const tagged = batch.map((command) => ({ ...command, correlationData: randomUUID() }));
    const answers = new Map<string, DynsecAnswer>();
    let allAnswered!: () => void;
    const answered = new Promise<void>((resolve) => (allAnswered = resolve));
    for (const { correlationData } of tagged) {
      this.waiting.set(correlationData, (answer) => {
        answers.set(correlationData, answer);
        if (answers.size === tagged.length) allAnswered();
      });
    }
    const work = (async () => {
      await this.subscribed;
      await this.client.publishAsync(COMMAND_TOPIC, JSON.stringify({ commands: tagged }), { qos: 1 });
      await answered;
    })();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const missing = tagged.find((c) => !answers.has(c.correlationData));
        reject(
          new DynsecError(`dynsec: no answer to ${missing?.command ?? 'a command'} within ${this.answerTimeoutMs} ms`),
        );
      }, this.answerTimeoutMs);
    });
    try {
      await Promise.race([work, deadline]);
    } catch (error) {
      // The loser of the race must not reject unobserved.
      work.catch(() => undefined);
      if (error instanceof DynsecError) throw error;
      throw new DynsecError(`dynsec: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
      for (const { correlationData } of tagged) this.waiting.delete(correlationData);
    }
    return tagged.map((c) => answers.get(c.correlationData)!);
  }

  private answered(payload: Buffer): void {
    let responses: (DynsecAnswer & { correlationData?: string })[];
    try {
      ({ responses } = JSON.parse(payload.toString()) as { responses: typeof responses });
    } catch (err) {
      this.logger.warn({ err }, 'dynsec: unreadable response');
      return;
    }
    for (const response of responses ?? []) {
      const deliver = response.correlationData ? this.waiting.get(response.correlationData) : undefined;
      deliver?.(response);
    }
  }
}
