/**
 * A fake Slack Web API for tests: answers `auth.test`, `chat.postMessage`, `chat.update`,
 * `views.open`, `views.publish`, the files upload flow (`files.getUploadURLExternal`, the upload URL,
 * `files.completeUploadExternal`) and the `response_url` of slash commands the way Slack does
 * ({ok:true,...}), and records every call for assertions. Every Block Kit payload is checked against
 * Slack's limits (check-slack-payload.ts): one over them is refused as Slack does (`invalid_blocks`),
 * recorded in `violations`, and fails `close()`, so no test passes while qoem sends one. `failNext` makes matching calls fail as Slack does
 * ({ok:false,error}); a failed call is recorded with `failed: true`. `hold` keeps a method's answers
 * back until released, so a test can see what qoem did before Slack answered.
 */
import { createServer } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import type { AddressInfo } from "node:net";
import { checkSlackPayload } from "./check-slack-payload.ts";

export interface SlackCall {
  method: string;
  body: Record<string, unknown>;
  at: number;
  failed?: boolean;
  /** For `response_url` calls: the id given to `responseUrl(id)`. */
  responseId?: string;
}

export interface SlackFailure {
  method: string;
  /** Only calls whose body matches; omitted: every call of the method. */
  when?: (body: Record<string, unknown>) => boolean;
  times: number;
  error?: string;
}

export interface FakeSlack {
  url: string;
  apiUrl: string;
  responseUrl(id: string): string;
  calls: SlackCall[];
  /** Calls of a method that Slack answered ok (failed ones left out). */
  callsOf(method: string): SlackCall[];
  /** The next `times` matching calls answer {ok:false, error} (default "internal_error"). */
  failNext(failure: SlackFailure): void;
  waitFor(predicate: (calls: SlackCall[]) => boolean, timeoutMs?: number): Promise<void>;
  /** The text of the first message posted to `responseUrl(id)`, once it arrives. */
  answerTo(id: string, timeoutMs?: number): Promise<string>;
  /** Calls of `method` are recorded but not answered until `release()`. */
  hold(method: string): { release(): void };
  /** Payloads over Slack's limits, one line each (close() throws when there are any). */
  violations: string[];
  /** Files uploaded through the upload URL (files.uploadV2 flow), by file id. */
  uploads: Map<string, string>;
  /** Socket Mode: envelopes the app acknowledged, and a way to send one. */
  socketAcks: Array<{ envelope_id: string; payload?: Record<string, unknown> }>;
  sendEnvelope(type: string, payload: object): Promise<string>;
  close(): Promise<void>;
}

function parseBody(text: string, contentType: string): Record<string, unknown> {
  if (contentType.includes("json")) return JSON.parse(text || "{}") as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    try {
      out[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
    } catch {
      out[k] = v;
    }
  }
  return out;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const failures: SlackFailure[] = [];
  const held = new Map<string, Array<() => void>>();
  const violations: string[] = [];
  const uploads = new Map<string, string>();
  let files = 0;
  let ts = 1_700_000_000;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const path = (req.url ?? "").split("?")[0]!;
      if (path.startsWith("/upload/")) {
        // The upload URL takes the file's bytes (Slack's client sends them as multipart form data).
        const type = req.headers["content-type"] ?? "";
        const bytes = Buffer.concat(chunks);
        const read = type.includes("multipart/")
          ? new Request("http://upload", { method: "POST", headers: { "content-type": type }, body: bytes }).formData().then(async (form) => {
              const part = [...form.values()][0];
              return typeof part === "string" ? part : part ? await part.text() : "";
            })
          : Promise.resolve(type.includes("urlencoded") ? (new URLSearchParams(raw).get("body") ?? raw) : raw);
        void read.then((content) => {
          uploads.set(path.slice("/upload/".length), content);
          res.writeHead(200, { "content-type": "text/plain" });
          res.end("OK");
        });
        return;
      }
      const body = parseBody(raw, req.headers["content-type"] ?? "");
      const method = path.startsWith("/api/") ? path.slice(5) : path.startsWith("/response/") ? "response_url" : path;
      const failure = failures.find((f) => f.times > 0 && f.method === method && (!f.when || f.when(body)));
      const responseId = method === "response_url" ? decodeURIComponent(path.slice("/response/".length)) : undefined;
      calls.push({ method, body, at: Date.now(), ...(failure ? { failed: true } : {}), ...(responseId !== undefined ? { responseId } : {}) });
      let answer: Record<string, unknown> = { ok: true };
      const problems = checkSlackPayload(method, body);
      if (problems.length) {
        violations.push(...problems);
        answer = { ok: false, error: "invalid_blocks", errors: problems };
      } else if (failure) {
        failure.times--;
        answer = { ok: false, error: failure.error ?? "internal_error" };
      } else if (method === "auth.test") answer = { ok: true, user_id: "UQOEMBOT", bot_id: "BQOEM", team_id: "T0001", user: "qoem" };
      else if (method === "chat.postMessage") answer = { ok: true, channel: body.channel, ts: `${ts++}.000100`, message: { text: body.text } };
      else if (method === "chat.update") answer = { ok: true, channel: body.channel, ts: body.ts, text: body.text };
      else if (method === "views.open" || method === "views.publish" || method === "views.update") answer = { ok: true, view: { id: `V${ts++}`, ...(body.view as object) } };
      else if (method === "files.getUploadURLExternal") {
        const id = `F${++files}`;
        answer = { ok: true, file_id: id, upload_url: `${url}/upload/${id}` };
      } else if (method === "files.completeUploadExternal") answer = { ok: true, files: body.files };
      else if (method === "apps.connections.open") answer = { ok: true, url: `${url.replace("http", "ws")}/socket` };
      const send = () => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(answer));
      };
      const waiting = held.get(method);
      if (waiting) waiting.push(send);
      else send();
    });
  });
  const sockets = new WebSocketServer({ server, path: "/socket" });
  const socketAcks: FakeSlack["socketAcks"] = [];
  let socket: WebSocket | undefined;
  sockets.on("connection", (ws) => {
    socket = ws;
    ws.on("message", (data) => socketAcks.push(JSON.parse(String(data)) as FakeSlack["socketAcks"][number]));
    ws.send(JSON.stringify({ type: "hello", num_connections: 1, debug_info: { host: "fake" }, connection_info: { app_id: "A0QOEM" } }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let envelopes = 0;
  async function waitFor(predicate: (calls: SlackCall[]) => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(calls)) {
      if (Date.now() > deadline) throw new Error(`fake Slack: condition not met in ${timeoutMs}ms; calls: ${calls.map((c) => c.method).join(", ")}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return {
    url,
    apiUrl: `${url}/api/`,
    responseUrl: (id) => `${url}/response/${id}`,
    calls,
    callsOf: (method) => calls.filter((c) => c.method === method && !c.failed),
    failNext: (failure) => void failures.push({ ...failure }),
    waitFor,
    async answerTo(id, timeoutMs = 15_000) {
      const first = () => calls.find((c) => c.method === "response_url" && c.responseId === id && !c.failed);
      await waitFor(() => first() !== undefined, timeoutMs);
      return String(first()!.body.text ?? "");
    },
    hold(method) {
      held.set(method, held.get(method) ?? []);
      return {
        release() {
          const waiting = held.get(method) ?? [];
          held.delete(method);
          for (const send of waiting) send();
        },
      };
    },
    violations,
    uploads,
    socketAcks,
    async sendEnvelope(type, payload) {
      const deadline = Date.now() + 10_000;
      while (!socket && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      if (!socket) throw new Error("fake Slack: no Socket Mode connection");
      const envelope_id = `env-${++envelopes}`;
      socket.send(JSON.stringify({ envelope_id, type, payload, accepts_response_payload: true }));
      return envelope_id;
    },
    async close() {
      await new Promise<void>((resolve) => {
        for (const c of sockets.clients) c.terminate();
        sockets.close();
        server.closeAllConnections();
        server.close(() => resolve());
      });
      if (violations.length) throw new Error(`qoem sent Slack payloads over Slack's limits:\n${violations.join("\n")}`);
    },
  };
}
