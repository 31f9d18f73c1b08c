/**
 * How many HTTP exchanges with Qlik Cloud one adapter has in flight at once. Qlik's rate limits are
 * per tenant, so when a rollout's wave opens thousands of tenants' windows at once, thousands of
 * calls are let through the rate gate together; beyond a few hundred they only wait in sockets and
 * buffers (each with its connection, parser and answer) for a CPU that serves them one by one. A
 * call takes its slot after the rate gate let it through (the gate's slot stays held until the
 * answer, so the wait here never makes Qlik count it early) and frees it with its answer.
 */
export const HTTP_SLOTS = 256;

export class HttpSlots {
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max = HTTP_SLOTS) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`HTTP slots must be a whole number of at least 1, not ${max}`);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.inFlight++;
    try {
      return await fn();
    } finally {
      // The slot passes straight to the next waiter (the count stays), or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight--;
    }
  }
}
