/**
 * Resolves once `check` returns true, polling it; for conditions that no event announces (a database row that
 * another component updates). Rejects with `what` after `timeoutMs`.
 */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Resolves once `assertions` run without throwing, re-running them until `timeoutMs`; then fails with the last
 * assertion's own message (what differed), not a bare timeout.
 */
export async function eventuallyPasses(assertions: () => unknown, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertions();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
