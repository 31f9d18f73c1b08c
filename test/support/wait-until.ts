// Waits for a condition (polling) instead of sleeping a guessed time; fails with what it waited for.
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting (${timeoutMs} ms) for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
