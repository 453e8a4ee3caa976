/** Pieces of the client library that need Node (the file system). */
export { FileQueueStorage } from './file-queue-storage';
