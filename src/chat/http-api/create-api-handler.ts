/**
 * The provisioning API: the OEM's sign-up service onboards, reads and asks for offboards over HTTP,
 * through the same dispatch as Slack and the shell (so the same rules, claims, approvals and audit
 * apply). Bearer tokens with scopes, per-token rate limits, idempotency keys, one JSON error shape.
 * Returns a request handler that answers `/api/...` and says whether it did, so it can sit in front
 * of Slack's receiver on `PORT` or serve on its own port.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { z } from "zod";
import { parseCommand } from "../../commands/parse-command.ts";
import type { ApiScope, ApiToken } from "../../config.ts";
import { dispatchParsed, type ChatAnswer, type DispatchDeps } from "../dispatch-command.ts";
import { IdempotentRequests, type RememberedAnswer } from "../../core/idempotent-requests.ts";
import type { RedisKeys } from "../../core/redis-keys.ts";
import { lifecycleFactsOf, nextCommands } from "../../core/customer-lifecycle.ts";
import { templatesOf, whereOf, targetOf } from "../../core/customer-registry.ts";

import { offboardingRequestSchema, onboardingRequestSchema, type ApiError } from "./api-schemas.ts";
import { describeOperation } from "./describe-operation.ts";
import { hasScope, verifyApiToken } from "./verify-api-token.ts";
import { openApiDocument } from "./openapi-document.ts";
import { withinRedisDeadline } from "../within-redis-deadline.ts";
import { RedisUnavailable } from "../../queue/track-redis-state.ts";

export interface ApiDeps {
  dispatch: DispatchDeps;
  keys: RedisKeys;
  tokens: readonly ApiToken[];
  ratePerMinute: number;
  logger: Logger;
  /** Called when the API asked for an approval (the chat side posts it in Slack). */
  onApprovalRequested?(approvalId: string): Promise<void>;
}

type Answer = RememberedAnswer;
const MAX_BODY = 64 * 1024;

const fail = (status: number, error: ApiError, headers?: Record<string, string>): Answer => ({ status, body: { error }, ...(headers ? { headers } : {}) });

function send(res: ServerResponse, a: Answer): void {
  res.writeHead(a.status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...a.headers });
  res.end(JSON.stringify(a.body));
}

async function readJson(req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; answer: Answer }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return { ok: false, answer: fail(422, { code: "invalid_request", message: `the body is larger than ${MAX_BODY} bytes` }) };
    chunks.push(chunk as Buffer);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString("utf8") || "null") };
  } catch {
    return { ok: false, answer: fail(422, { code: "invalid_request", message: "the body is not JSON" }) };
  }
}

function invalid(error: z.ZodError): Answer {
  const issue = error.issues[0];
  const field = issue?.path.join(".") || undefined;
  return fail(422, { code: "invalid_request", message: `${field ? `${field}: ` : ""}${issue?.message ?? "invalid"}`, ...(field ? { field } : {}) });
}

/** The request's JSON body, validated by `schema`, or the 422 that says what was wrong. */
async function readBody<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<{ ok: true; value: T } | { ok: false; answer: Answer }> {
  const raw = await readJson(req);
  if (!raw.ok) return raw;
  const body = schema.safeParse(raw.value);
  return body.success ? { ok: true, value: body.data } : { ok: false, answer: invalid(body.error) };
}

const quoteArg = (s: string) => `"${s}"`;

export function createApiHandler(deps: ApiDeps): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const idempotent = new IdempotentRequests(deps.dispatch.redis, deps.keys);
  const log = deps.logger.child({ surface: "api" });

  async function limited(token: ApiToken): Promise<Answer | undefined> {
    const minute = Math.floor(Date.now() / 60_000);
    const key = deps.keys.apiRate(token.name, minute);
    const count = await deps.dispatch.redis.multi().incr(key).expire(key, 120).exec();
    const n = Number(count?.[0]?.[1] ?? 0);
    if (n <= deps.ratePerMinute) return undefined;
    const retry = 60 - Math.floor((Date.now() % 60_000) / 1000);
    return fail(429, { code: "rate_limited", message: `token ${token.name} made more than ${deps.ratePerMinute} calls this minute` }, { "retry-after": String(retry) });
  }

  const audit = (token: string, action: string, result: string, detail?: string) =>
    deps.dispatch.audit.record({ user: `api:${token}`, surface: "api", action, result, ...(detail ? { detail } : {}) }).catch((e: unknown) => log.warn({ err: (e as Error).message }, "could not audit an API call"));

  /** An answer from dispatch, as HTTP. */
  async function fromDispatch(answer: ChatAnswer): Promise<Answer> {
    switch (answer.kind) {
      case "error":
        return fail(409, { code: "conflict", message: answer.error.reason });
      case "operation": {
        const location = `/api/v1/operations/${encodeURIComponent(answer.jobId)}`;
        if (answer.disposition === "running" || answer.disposition === "done") {
          return fail(409, { code: "conflict", message: answer.text, operation: answer.jobId }, { location });
        }
        return { status: 202, body: { operation: { id: answer.jobId, state: "queued" }, location }, headers: { location } };
      }
      case "approval": {
        const a = answer.approval;
        if (answer.created) await deps.onApprovalRequested?.(a.id);
        return { status: answer.created ? 202 : 409, body: answer.created ? { approval: { id: a.id, status: a.status, expiresAt: new Date(a.expiresAt).toISOString(), customer: a.customer } } : { error: { code: "conflict", message: answer.text } } };
      }
      default:
        return { status: 200, body: { message: answer.text } };
    }
  }

  async function command(token: ApiToken, text: string, idempotencyKey: string | undefined, body: unknown): Promise<Answer> {
    const parsed = parseCommand(text, deps.dispatch.parseContext);
    if (!parsed.ok) return fail(422, { code: "invalid_request", message: parsed.error.reason });
    const run = async () => fromDispatch(await dispatchParsed(parsed.command, { text, user: `api:${token.name}`, surface: "api", preauthorised: true }, deps.dispatch));
    if (idempotencyKey === undefined) return run();
    const claim = await idempotent.claim(token.name, idempotencyKey, body);
    if (claim.state === "replay") return claim.answer;
    if (claim.state === "mismatch") return fail(422, { code: "invalid_request", message: "this Idempotency-Key was used with another request body", field: "Idempotency-Key" });
    if (claim.state === "in-progress") return fail(409, { code: "conflict", message: "a request with this Idempotency-Key is still being handled; repeat it in a moment" });
    try {
      const answer = await run();
      await claim.finish(answer);
      return answer;
    } catch (error) {
      await claim.abandon();
      throw error;
    }
  }

  async function route(req: IncomingMessage, path: string): Promise<Answer> {
    if (req.method === "GET" && path === "/api/openapi.json") return { status: 200, body: openApiDocument() };
    const token = verifyApiToken(req.headers.authorization, deps.tokens);
    if (!token) {
      await audit("(no valid token)", `${req.method} ${path}`, "refused-401");
      return fail(401, { code: "unauthorized", message: "a valid bearer token is required (Authorization: Bearer <token>)" }, { "www-authenticate": 'Bearer realm="qoem"' });
    }
    const need = (scope: ApiScope) => (hasScope(token, scope) ? undefined : fail(403, { code: "forbidden", message: `token ${token.name} lacks the ${scope} scope` }));
    const tooMany = await limited(token);
    if (tooMany) return tooMany;

    if (req.method === "POST" && path === "/api/v1/onboardings") {
      const denied = need("onboard");
      if (denied) return denied;
      const body = await readBody(req, onboardingRequestSchema);
      if (!body.ok) return body.answer;
      const key = req.headers["idempotency-key"];
      if (typeof key !== "string" || !/^[\x21-\x7e]{1,200}$/.test(key)) return fail(422, { code: "invalid_request", message: "an Idempotency-Key header (1 to 200 visible characters) is required", field: "Idempotency-Key" });
      const b = body.value;
      const text = [
        "onboard",
        b.customer,
        b.target ?? "",
        b.residency ? `--residency ${b.residency}` : "",
        b.personalData ? "--personal-data" : "",
        ...(b.templates ?? []).map((t) => `--template ${quoteArg(t)}`),
        b.features?.length ? `--features ${b.features.join(",")}` : "",
      ].filter(Boolean).join(" ");
      return command(token, text, key, b);
    }
    if (req.method === "POST" && path === "/api/v1/offboardings") {
      const denied = need("offboard:request");
      if (denied) return denied;
      const body = await readBody(req, offboardingRequestSchema);
      if (!body.ok) return body.answer;
      const key = req.headers["idempotency-key"];
      const text = `offboard ${body.value.customer}${body.value.purgeAfterDays ? ` --purge-after ${body.value.purgeAfterDays}` : ""}`;
      return command(token, text, typeof key === "string" ? key : undefined, body.value);
    }
    const operation = /^\/api\/v1\/operations\/([A-Za-z0-9._-]{1,200})$/.exec(path);
    if (req.method === "GET" && operation) {
      const denied = need("read");
      if (denied) return denied;
      const job = await deps.dispatch.operations.getJob(operation[1]!);
      await audit(token.name, `GET operation ${operation[1]}`, job ? "answered" : "not-found");
      if (!job) return fail(404, { code: "not_found", message: `there is no operation ${operation[1]}` });
      return { status: 200, body: await describeOperation(job) };
    }
    const customer = /^\/api\/v1\/customers\/([a-z0-9-]{1,40})$/.exec(path);
    if (req.method === "GET" && customer) {
      const denied = need("read");
      if (denied) return denied;
      const record = await deps.dispatch.registry.get(customer[1]!);
      await audit(token.name, `GET customer ${customer[1]}`, record ? "answered" : "not-found");
      if (!record) return fail(404, { code: "not_found", message: `qoem knows no customer named ${customer[1]}` });
      const pending = await deps.dispatch.approvals.pendingFor(record.customer);
      return {
        status: 200,
        body: {
          customer: record.customer,
          status: record.status,
          kind: record.kind,
          where: whereOf(targetOf(record)),
          ...(record.tenantId ? { tenantId: record.tenantId } : {}),
          ...((record.hostname ?? record.tenantHost) ? { hostname: record.hostname ?? record.tenantHost } : {}),
          ...(record.residency ? { residency: record.residency } : {}),
          ...(record.personalData === "yes" ? { personalData: true } : {}),
          templates: templatesOf(record),
          ...(record.lastError ? { lastError: record.lastError } : {}),
          ...(record.lastJobId ? { lastOperation: record.lastJobId } : {}),
          ...(pending ? { pendingApproval: { id: pending.id, operation: pending.operation, expiresAt: new Date(pending.expiresAt).toISOString() } } : {}),
          next: nextCommands(lifecycleFactsOf(record, pending?.id)),
        },
      };
    }
    return fail(404, { code: "not_found", message: `no such endpoint: ${req.method} ${path}` });
  }

  return async (req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (!path.startsWith("/api/")) return false;
    try {
      // Every request's Redis work is bounded: while Redis is away the answer is a quick 503, never a hang.
      send(res, await withinRedisDeadline(deps.dispatch.redisState, () => route(req, path)));
    } catch (error) {
      if (error instanceof RedisUnavailable) {
        send(res, fail(503, { code: "unavailable", message: `${error.message}; repeat the request (with the same Idempotency-Key)` }, { "retry-after": "5" }));
        return true;
      }
      log.error({ err: (error as Error).message, path }, "API request failed");
      send(res, fail(503, { code: "unavailable", message: "qoem could not handle the request now (is Redis reachable?); repeat it with the same Idempotency-Key" }));
    }
    return true;
  };
}
