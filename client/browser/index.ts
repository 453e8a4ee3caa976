/** Pieces of the client library that need a browser (IndexedDB, through `idb`). */
export { IndexedDbMessageStore } from './indexeddb-message-store';
