/** Pieces of the client library that need Node (the file system, SQLite). */
export { FileQueueStorage } from './file-queue-storage';
export { SqliteMessageStore } from './sqlite-message-store';
