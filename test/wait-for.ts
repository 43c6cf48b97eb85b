// The one polling helper of the integration tests: the repository's (test/) and the apps' own
// harnesses (apps/agent/src/testing/harness.ts re-exports it). No imports, so any test can use it.

/** Polls `check` every `everyMs` until it returns something truthy; fails naming `what` after timeoutMs. */
export async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}
