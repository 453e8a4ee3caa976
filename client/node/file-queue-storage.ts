import { open, readFile, rename, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { OutgoingMessage, QueueStorage } from '../send-queue';

/**
 * Keeps the send queue in one JSON file, for Node clients: each change writes a new file, flushes it to disk and
 * renames it over the old one, so after a crash the file holds either the previous state or the new one.
 *
 * Writes from one process are serialised; two processes must not share a file.
 */
export class FileQueueStorage implements QueueStorage {
  private entries: Map<string, OutgoingMessage> | undefined;
  private writes: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  /** @throws Error naming the file when it exists but is not a queue this class wrote. */
  async load(): Promise<OutgoingMessage[]> {
    await this.read();
    return [...this.entries!.values()].map((entry) => structuredClone(entry));
  }

  async put(entry: OutgoingMessage): Promise<void> {
    await this.read();
    this.entries!.set(entry.clientMessageId, structuredClone(entry));
    await this.persist();
  }

  async delete(clientMessageId: string): Promise<void> {
    await this.read();
    if (this.entries!.delete(clientMessageId)) await this.persist();
  }

  private async read(): Promise<void> {
    if (this.entries) return;
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.entries = new Map();
      return;
    }
    const parsed = JSON.parse(text) as { version?: unknown; entries?: OutgoingMessage[] };
    if (parsed.version !== 1 || !Array.isArray(parsed.entries)) {
      throw new Error(`${this.path} is not a send queue file (version 1)`);
    }
    this.entries = new Map(parsed.entries.map((entry) => [entry.clientMessageId, entry]));
  }

  private persist(): Promise<void> {
    const snapshot = JSON.stringify({ version: 1, entries: [...this.entries!.values()] });
    const write = this.writes.then(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      const temporary = `${this.path}.${process.pid}.tmp`;
      const file = await open(temporary, 'w');
      try {
        await file.writeFile(snapshot);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, this.path);
    });
    // A failed write fails its own caller; later writes still run (each writes the whole state).
    this.writes = write.catch(() => undefined);
    return write;
  }
}
