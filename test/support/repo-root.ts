import { join } from 'node:path';

/** Whether this code runs from the build (dist/, as the benches do) rather than as TypeScript (the tests). */
export const compiled = __filename.endsWith('.js');

/** The repository's root, whether this runs as TypeScript (test/support) or from the build (dist/test/support). */
export const repoRoot = join(__dirname, '..', '..', ...(compiled ? ['..'] : []));
