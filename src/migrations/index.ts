import { Migration20261122000100Foundation } from './Migration20261122000100Foundation';

/** Every migration in order. Listed explicitly so the build and the tests run the same set. */
export const migrationsList = [{ name: 'Migration20261122000100Foundation', class: Migration20261122000100Foundation }];
