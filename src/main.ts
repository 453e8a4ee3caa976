import { startApp } from './app';
import { ConfigError, loadConfig } from './config';

/** Process entry: read the environment, start, and stop cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  // The last line, not the fix: every promise the server makes is awaited or caught where it is made. Should one
  // slip through, it is logged and the server keeps serving rather than dying for every user.
  let log = (err: unknown): void => {
    process.stderr.write(
      `unhandled rejection (a bug; serving on): ${err instanceof Error ? err.stack : String(err)}\n`,
    );
  };
  process.on('unhandledRejection', (err) => log(err));
  const app = await startApp(config);
  log = (err) => app.logger.error({ err }, 'unhandled rejection (a bug; serving on)');
  let stopping = false;
  const stop = (signal: string) => {
    // A second signal (npm and process managers often forward one) must not kill the drain half-way.
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'stopping');
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        app.logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`The server could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
