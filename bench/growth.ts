/**
 * The growth scenario's history: `count` messages written straight into `messages` by the database itself
 * (MariaDB's SEQUENCE engine, `seq_1_to_n`), shaped as this version writes them over time: one a second, ending a
 * day ago, with time-ordered ids (UUIDv7) and clientMessageIds in the client library's time-first form, spread over
 * the bench's users, all published.
 */
import { randomUUID } from 'node:crypto';
import type { Sql } from './database-cost';

/** Writes `count` messages into one new channel, 100,000 to a statement. MySQL/MariaDB only. */
export async function prefillMessages(sql: Sql, count: number): Promise<void> {
  const channel = randomUUID();
  await sql(
    `insert into channels (id, name, kind, last_seq, created_at) values ('${channel}', 'growth', 'DEFAULT', ${count}, now(3) - interval 60 day)`,
  );
  await sql('create table bench_senders (n int primary key, id varchar(36) not null)');
  await sql('insert into bench_senders (n, id) select row_number() over (order by id) - 1, id from users');
  const [{ senders }] = (await sql('select count(*) as senders from bench_senders')) as { senders: number }[];
  try {
    for (let start = 0; start < count; start += 100_000) {
      const n = Math.min(100_000, count - start);
      // Row `seq` was stored at `at` (`ms` in hex): `count - seq` seconds before a day ago.
      const at = `now(3) - interval 1 day - interval (${count} - (${start} + s.seq)) second`;
      const ms = `lpad(hex(floor(unix_timestamp(${at}) * 1000)), 12, '0')`;
      // RFC 9562 version 7: 48 bits of ms, version 7, 12 random bits, variant 10, 62 random bits.
      const hex = `lower(concat(${ms}, '7', substr(hex(random_bytes(2)), 1, 3), elt(1 + floor(rand() * 4), '8', '9', 'a', 'b'), substr(hex(random_bytes(2)), 1, 3), hex(random_bytes(6))))`;
      const id = `insert(insert(insert(insert(${hex}, 9, 0, '-'), 14, 0, '-'), 19, 0, '-'), 24, 0, '-')`;
      await sql(
        `insert into messages (id, channel_id, seq, kind, body, sender_id, client_message_id, created_at, published_at)
         select ${id}, '${channel}', ${start} + s.seq, 'USER', concat('history ', ${start} + s.seq), u.id,
                concat('c-', lower(${ms}), lower(hex(random_bytes(10)))), ${at}, ${at}
         from seq_1_to_${n} s join bench_senders u on u.n = (${start} + s.seq) mod ${Number(senders)}
         order by s.seq`,
      );
    }
  } finally {
    await sql('drop table bench_senders');
  }
}
