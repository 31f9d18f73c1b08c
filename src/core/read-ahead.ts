/**
 * Reads up to `depth` items of an async source ahead of its consumer, starting at once: a sweep's
 * organisation listing is fetched (rate-limited, the slow part) while the registry side is still being
 * prepared, and one page is in flight while the previous one is handled. Bounded: never more than
 * `depth` items wait. An error of the source comes out where its item would have.
 */
export interface ReadAhead<T> extends AsyncIterable<T> {
  /** Stops reading the source (for a consumer that leaves early). */
  close(): Promise<void>;
}

export function readAhead<T>(source: AsyncIterable<T>, depth: number): ReadAhead<T> {
  const it = source[Symbol.asyncIterator]();
  const queue: Array<Promise<IteratorResult<T>>> = [];
  let finished = false;
  const pull = () => {
    if (finished) return;
    const next = it.next();
    next.then(
      (r) => void (r.done && (finished = true)),
      () => void (finished = true),
    );
    queue.push(next);
  };
  for (let i = 0; i < Math.max(1, depth); i++) pull();
  return {
    async *[Symbol.asyncIterator]() {
      while (queue.length) {
        const r = await queue.shift()!;
        if (r.done) return;
        pull();
        yield r.value;
      }
    },
    async close() {
      finished = true;
      await it.return?.(undefined);
    },
  };
}
