import { MikroORM, UniqueConstraintViolationException } from '@mikro-orm/core';
import { loadConfig } from '../../src/config';
import { ormOptions } from '../../src/mikro-orm.config';
import { PlainSql } from '../../src/services/store/plain-sql';
import { eachProfile } from '../support/profiles';

const insert = (id: number, note: string) => ({
  sql: 'insert into scratch (id, note) values (?, ?)',
  params: [id, note],
});
const notes = { sql: 'select note from scratch order by id', params: [] };

describe.each(eachProfile)('PlainSql.transaction (%s)', (_name, profile) => {
  let orm: MikroORM;
  let sql: PlainSql;
  const stored = async () => {
    const rows: { note: string }[] = await orm.em.getConnection().execute('select note from scratch order by id');
    return rows.map((r) => r.note);
  };

  beforeAll(async () => {
    const database = await profile.createDatabase();
    // One pooled connection: a transaction left open, or a connection not given back, shows in the next statement.
    const options = ormOptions(loadConfig({ DATABASE_URL: database.url }).database);
    orm = await MikroORM.init({ ...options, pool: { ...options.pool, max: 1 } });
    await orm.em.getConnection().execute('create table scratch (id int primary key, note varchar(20))');
    sql = new PlainSql(orm);
  });
  afterAll(async () => {
    await orm?.close();
  });
  beforeEach(async () => {
    await orm.em.getConnection().execute('delete from scratch');
  });

  it("runs each step's statements in order and answers each one's rows, none for writes", async () => {
    const answers = await sql.transaction(async (step) => {
      const first = await step([insert(1, 'a'), notes, insert(2, 'b'), notes]);
      const second = await step([insert(3, 'c'), notes], { commit: true });
      return [first, second];
    });
    expect(answers).toEqual([
      [[], [{ note: 'a' }], [], [{ note: 'a' }, { note: 'b' }]],
      [[], [{ note: 'a' }, { note: 'b' }, { note: 'c' }]],
    ]);
    expect(await stored()).toEqual(['a', 'b', 'c']);
  });

  it('commits when the work returns without a committing step', async () => {
    await sql.transaction((step) => step([insert(1, 'kept')]));
    expect(await stored()).toEqual(['kept']);
  });

  it('rolls every step back when a statement fails, and converts the error', async () => {
    const failing = sql.transaction(async (step) => {
      await step([insert(1, 'first step')]);
      await step([insert(2, 'before'), insert(2, 'duplicate'), insert(3, 'after')], { commit: true });
    });
    await expect(failing).rejects.toBeInstanceOf(UniqueConstraintViolationException);
    expect(await stored()).toEqual([]);
  });

  it("rolls back when the work itself throws after a step, and rejects with the work's own error", async () => {
    const mind = new Error('changed my mind');
    const failing = sql.transaction(async (step) => {
      await step([insert(1, 'written')]);
      await step([insert(2, 'one more')]);
      throw mind;
    });
    await expect(failing).rejects.toBe(mind);
    expect(await stored()).toEqual([]);
  });

  it('rolls back a failure in the first step', async () => {
    await sql.transaction((step) => step([insert(1, 'there before')]));
    const failing = sql.transaction((step) => step([insert(2, 'new'), insert(1, 'duplicate')]));
    await expect(failing).rejects.toBeInstanceOf(UniqueConstraintViolationException);
    expect(await stored()).toEqual(['there before']);
  });

  it('refuses a step after the committing one, running none of it', async () => {
    const late = sql.transaction(async (step) => {
      await step([insert(1, 'committed')], { commit: true });
      await step([insert(2, 'too late')]);
    });
    await expect(late).rejects.toThrow('a step after the commit');
    expect(await stored()).not.toContain('too late');
  });

  it('gives its connection back every time: more failed transactions than the pool holds, then one that works', async () => {
    for (let i = 0; i < 20; i++) {
      await expect(sql.transaction((step) => step([insert(1, 'x'), insert(1, 'x')]))).rejects.toBeInstanceOf(
        UniqueConstraintViolationException,
      );
    }
    await sql.transaction((step) => step([insert(1, 'after all')], { commit: true }));
    expect(await stored()).toEqual(['after all']);
  });
});
