/**
 * Work that follows Slack's acks (dispatch, answers, thread posts) gives way to acks still owed:
 * while any request to /slack/events waits for its ack, at most one such task runs; otherwise up to
 * `max`. A burst of commands is thus acked first and worked through after, in arrival order.
 */
export interface AfterAckScheduler {
  /** A request whose ack is owed arrived; call the returned function once it is answered (idempotent). */
  owe(): () => void;
  /** Runs `task` when its turn comes. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Acks owed and tasks running or waiting, for tests and logs. */
  readonly state: { owed: number; running: number; waiting: number };
}

export function createAfterAckScheduler(max: number): AfterAckScheduler {
  let owed = 0;
  let running = 0;
  const waiting: Array<() => void> = [];
  const pump = () => {
    const limit = owed > 0 ? 1 : max;
    while (running < limit && waiting.length > 0) {
      running++;
      waiting.shift()!();
    }
  };
  return {
    owe() {
      owed++;
      let paid = false;
      return () => {
        if (paid) return;
        paid = true;
        owed--;
        pump();
      };
    },
    async run<T>(task: () => Promise<T>): Promise<T> {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        pump();
      });
      try {
        return await task();
      } finally {
        running--;
        pump();
      }
    },
    get state() {
      return { owed, running, waiting: waiting.length };
    },
  };
}
