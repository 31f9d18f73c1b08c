/**
 * Runs tasks as they are added, at most `limit` at a time, the rest waiting in order; adding never
 * blocks the caller (a sweep keeps reading its listing while detailed checks run). `done` resolves
 * when every task added has finished. Tasks handle their own errors; one that throws is not retried.
 */
export class TaskPool {
  private readonly waiting: Array<() => Promise<void>> = [];
  private running = 0;
  private idle: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  add(task: () => Promise<void>): void {
    this.waiting.push(task);
    this.pump();
  }

  private pump(): void {
    while (this.running < Math.max(1, this.limit) && this.waiting.length) {
      const task = this.waiting.shift()!;
      this.running++;
      void task()
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
    if (this.running === 0 && this.waiting.length === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  done(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}
