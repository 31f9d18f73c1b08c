/**
 * One view of this process's Redis. Every connection qoem opens and every BullMQ object (queue,
 * queue events, worker) reports its errors here, so nothing is left to BullMQ's or ioredis's own
 * console printing: an outage is logged once when Redis goes away and once when it is back, whatever
 * the number of connections retrying in between. The chat surfaces ask `available` to answer at once
 * instead of queueing a command behind a connection that is down.
 */
import type { Queue, QueueEvents, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

/** What BullMQ objects offer: their error events (connection errors included). */
type Reporter = Pick<Queue | QueueEvents | Worker, "name"> & { on(event: "error", listener: (error: Error) => void): unknown };

const connectionFailure = /ECONNREFUSED|ECONNRESET|ECONNABORTED|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|Connection is closed|Stream isn't writeable|max retries per request|Socket closed unexpectedly|Command timed out|LOADING/i;

/** A lost or refused connection (Redis away), as opposed to an error Redis answered with. */
export function isConnectionError(error: unknown): boolean {
  const e = error as { message?: unknown; code?: unknown } | null | undefined;
  return connectionFailure.test(`${String(e?.code ?? "")} ${String(e?.message ?? "")}`);
}

/** Thrown by the chat surfaces' bounded Redis work; its message is what the user reads. */
export class RedisUnavailable extends Error {
  readonly code = "redis_unavailable";
  constructor() {
    super("Redis is unavailable, try again shortly");
    this.name = "RedisUnavailable";
  }
}

export interface RedisAvailability {
  /** False from the first sign of an outage until every connection qoem opened is ready again. */
  readonly available: boolean;
}

export class RedisState implements RedisAvailability {
  private readonly clients = new Set<Redis>();
  private up = true;
  private downSince = 0;
  private stopped = false;

  /** `address`: host:port for the log lines (never credentials). */
  constructor(
    private readonly logger: Logger,
    private readonly address: string,
  ) {}

  get available(): boolean {
    return this.up;
  }

  /**
   * A connection qoem opened itself: its loss marks Redis unavailable; Redis is back once every such
   * connection is ready again. (BullMQ's own connections are not watched this way: BullMQ closes and
   * reopens its blocking connections on purpose.)
   */
  watchConnection(client: Redis): void {
    this.clients.add(client);
    client.on("error", (error: Error) => this.report(error, "connection"));
    client.on("close", () => this.lost("connection closed"));
    client.on("ready", () => this.recheck());
  }

  /** A queue, queue-events stream or worker: its connection errors are the outage's (already said); other errors are logged. */
  watch(reporter: Reporter): void {
    reporter.on("error", (error: Error) => this.report(error, reporter.name));
  }

  /** Shutting down: connections closing now are not an outage. */
  stop(): void {
    this.stopped = true;
  }

  private report(error: Error, source: string): void {
    if (this.stopped) return;
    if (isConnectionError(error)) {
      if (source === "connection") this.lost(error.message);
      return;
    }
    this.logger.error({ err: error.message, source }, "Redis or queue error");
  }

  private lost(why: string): void {
    if (this.stopped || !this.up) return;
    this.up = false;
    this.downSince = Date.now();
    this.logger.warn({ redis: this.address, state: "unavailable", err: why }, "Redis unavailable; commands are answered 'try again shortly' and work resumes when it is back");
  }

  private recheck(): void {
    if (this.stopped || this.up) return;
    for (const client of this.clients) {
      if (client.status === "end") this.clients.delete(client);
      else if (client.status === "wait") continue; // never connected (lazy), so nothing to wait for
      else if (client.status !== "ready") return;
    }
    this.up = true;
    this.logger.warn({ redis: this.address, state: "available", downForMs: Date.now() - this.downSince }, "Redis available again");
  }
}
