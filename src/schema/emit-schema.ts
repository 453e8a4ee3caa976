import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchema } from 'graphql';
import { buildChatSchema } from './build-schema';

/** The SDL as committed in src/schema/schema.graphql. */
export async function printChatSchema(): Promise<string> {
  return `${printSchema(await buildChatSchema())}\n`;
}

/** Run from the project's root (npm scripts do). */
const SCHEMA_FILE = join(process.cwd(), 'src', 'schema', 'schema.graphql');

if (require.main === module) {
  void printChatSchema().then((sdl) => {
    writeFileSync(SCHEMA_FILE, sdl);
    process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
  });
}
