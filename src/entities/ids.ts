import { v7 } from 'uuid';

/**
 * A new id for a row of a table that grows with use (messages, message changes): a UUIDv7, whose leading 48 bits
 * are the time in milliseconds, so a new row's primary key lands at the end of the index instead of on a random
 * page of it. With random (v4) ids every insert into a large table reads a page the buffer pool no longer holds
 * (bench/RESULTS.md, "Growth"). Rows stored before with v4 ids keep them: ids are public, clients hold them, and
 * the v7 ids of new rows still append, within the one 1/4096th of the index their common prefix falls in.
 *
 * Ids made in the same millisecond by one process count up from a random start, so they are less random than v4
 * ones; they are not secrets (reading a message goes by its channel's access), and they tell when the row was made,
 * which `createdAt` tells anyway.
 */
export const timeOrderedId = (): string => v7();
