import type { OutgoingMessage, QueueStorage } from '../../client';

/** The send queue in localStorage, per user: a reload or a closed tab keeps the messages not sent yet. */
export class LocalQueueStorage implements QueueStorage {
  constructor(private readonly key: string) {}

  async load(): Promise<OutgoingMessage[]> {
    return Object.values(this.read());
  }

  async put(entry: OutgoingMessage): Promise<void> {
    this.write({ ...this.read(), [entry.clientMessageId]: entry });
  }

  async delete(clientMessageId: string): Promise<void> {
    const all = this.read();
    delete all[clientMessageId];
    this.write(all);
  }

  private read(): Record<string, OutgoingMessage> {
    try {
      return JSON.parse(localStorage.getItem(this.key) ?? '{}') as Record<string, OutgoingMessage>;
    } catch {
      return {};
    }
  }

  private write(all: Record<string, OutgoingMessage>): void {
    localStorage.setItem(this.key, JSON.stringify(all));
  }
}
