import { MikroORM } from '@mikro-orm/core';
import { ConfigError, loadConfig } from './config';
import { ormOptions } from './mikro-orm.config';

/** `npm run migrate [-- down]`: applies pending migrations (or reverts the last one) to DATABASE_URL. */
async function migrate(direction: 'up' | 'down'): Promise<void> {
  const config = loadConfig(process.env);
  const orm = await MikroORM.init(ormOptions(config.database));
  try {
    const migrator = orm.getMigrator();
    const done = direction === 'up' ? await migrator.up() : await migrator.down();
    process.stdout.write(done.length ? done.map((m) => `${direction} ${m.name}\n`).join('') : 'nothing to migrate\n');
  } finally {
    await orm.close();
  }
}

migrate(process.argv[2] === 'down' ? 'down' : 'up').catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError ? 'Configuration error' : 'Migration failed'}: ${String(error instanceof Error ? error.message : error)}\n`,
  );
  process.exit(1);
});
