/**
 * Replay protection in front of Bolt's HTTP receiver. Bolt checks the v0 signature and refuses a
 * request older than five minutes, but accepts one from the future and the same signed request any
 * number of times. Here every request to the events endpoint must carry a timestamp within five
 * minutes of now in either direction and a valid signature, and a signature already seen (SET NX in
 * Redis, so it holds across every chat process) is acknowledged with an empty 200 and dropped: Slack
 * does not retry, and nothing runs twice. Socket Mode has no signatures; this does not apply there.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { HTTPModuleFunctions } from "@slack/bolt";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

/** Slack's window for a request's timestamp, either side of now. */
export const SLACK_WINDOW_SECONDS = 5 * 60;
/** Longer than the window both ways, so a signature is remembered for as long as it could be accepted. */
const SEEN_TTL_SECONDS = 2 * SLACK_WINDOW_SECONDS;

export interface ReplayGuardOptions {
  signingSecret: string;
  redis: Redis;
  /** The Redis key that marks a signature as seen. */
  seenKey(signature: string): string;
  logger: Logger;
  /** The path Bolt serves Slack's requests on. */
  path?: string;
  now?: () => number;
}

export type RequestVerdict = { ok: true } | { ok: false; status: 401; reason: string } | { ok: false; status: 200; reason: "replay" };

const header = (req: IncomingMessage, name: string) => {
  const value = req.headers[name];
  return typeof value === "string" ? value : undefined;
};

/** Timestamp, signature, then first sight; the signature is remembered only once it is known to be Slack's. */
export async function verifySlackRequest(request: { timestamp?: string; signature?: string; body: string }, options: ReplayGuardOptions): Promise<RequestVerdict> {
  const nowSeconds = Math.floor((options.now?.() ?? Date.now()) / 1000);
  if (!request.timestamp || !/^\d{1,12}$/.test(request.timestamp)) return { ok: false, status: 401, reason: "no request timestamp" };
  if (Math.abs(nowSeconds - Number(request.timestamp)) > SLACK_WINDOW_SECONDS) return { ok: false, status: 401, reason: "request timestamp more than five minutes from now" };
  const signature = request.signature ?? "";
  if (!/^v0=[0-9a-f]{64}$/.test(signature)) return { ok: false, status: 401, reason: "no v0 signature" };
  const expected = createHmac("sha256", options.signingSecret).update(`v0:${request.timestamp}:${request.body}`).digest("hex");
  if (!timingSafeEqual(Buffer.from(signature.slice(3), "hex"), Buffer.from(expected, "hex"))) return { ok: false, status: 401, reason: "signature mismatch" };
  const first = await options.redis.set(options.seenKey(signature.slice(3)), String(nowSeconds), "EX", SEEN_TTL_SECONDS, "NX");
  return first === "OK" ? { ok: true } : { ok: false, status: 200, reason: "replay" };
}

/** Wraps Bolt's request listener: requests to Slack's endpoint are verified first, anything else passes through. */
export function guardSlackRequests(listener: RequestListener, options: ReplayGuardOptions): RequestListener {
  const path = options.path ?? "/slack/events";
  const log = options.logger.child({ surface: "slack", component: "replay-guard" });
  const answer = (res: ServerResponse, status: number) => {
    res.writeHead(status);
    res.end();
  };
  return (req, res) => {
    if (req.method !== "POST" || (req.url ?? "").split("?")[0] !== path) return listener(req, res);
    void (async () => {
      let buffered: Awaited<ReturnType<typeof HTTPModuleFunctions.bufferIncomingMessage>>;
      try {
        buffered = await HTTPModuleFunctions.bufferIncomingMessage(req, HTTPModuleFunctions.defaultBodyLimit);
      } catch (error) {
        return answer(res, HTTPModuleFunctions.isRawBodyError(error) && error.statusCode === 413 ? 413 : 400);
      }
      const body = buffered.rawBody.toString("utf8");
      // Slack's unsigned SSL check: Bolt answers it and strips anything else from it.
      if (header(req, "content-type") === "application/x-www-form-urlencoded" && new URLSearchParams(body).get("ssl_check") === "1") return listener(buffered, res);
      let verdict: RequestVerdict;
      try {
        verdict = await verifySlackRequest({ timestamp: header(req, "x-slack-request-timestamp"), signature: header(req, "x-slack-signature"), body }, options);
      } catch (error) {
        log.error({ err: (error as Error).message }, "Slack request not checked for replay: Redis failed");
        return answer(res, 503);
      }
      if (verdict.ok) return listener(buffered, res);
      if (verdict.status === 401) log.warn({ reason: verdict.reason }, "Slack request refused");
      else log.warn({ timestamp: header(req, "x-slack-request-timestamp"), retry: header(req, "x-slack-retry-num") }, "replayed Slack request ignored");
      answer(res, verdict.status);
    })().catch((error: unknown) => {
      log.error({ err: (error as Error).message }, "Slack request failed before Bolt");
      if (!res.headersSent) answer(res, 500);
    });
  };
}
