// The provisioning API over real HTTP: idempotent onboards, one environment under concurrent creates, residency, tokens and
// scopes, one error shape, callbacks signed and retried, and offboards that wait for a person in Slack.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack.ts";
import { tenantsNamed } from "../support/cloud-fixture.ts";
import { hashToken } from "../../src/chat/http-api/verify-api-token.ts";
import { verifyCallback } from "../../src/core/sign-callback.ts";

const TOKENS = { signup: "signup-token-0123456789abcdef", reader: "reader-token-0123456789abcdef" };
const CALLBACK_SECRET = "callback-secret-0123456789abcdef";
let qoem: TestQoem;
let slack: FakeSlack;
let base: string;
let receiver: Server;
const received: Array<{ body: string; signature: string }> = [];
let refuseNextCallbacks = 1;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (refuseNextCallbacks > 0) {
        refuseNextCallbacks--;
        res.writeHead(500).end();
        return;
      }
      received.push({ body: Buffer.concat(chunks).toString("utf8"), signature: String(req.headers["qoem-signature"]) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  const address = receiver.address();
  const callbackUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/qoem-callbacks`;
  slack = await startFakeSlack();
  const { writeFileSync, mkdtempSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const file = join(mkdtempSync(join(tmpdir(), "qoem-api-")), "qoem.yaml");
  writeFileSync(file, [`api:`, `  callback: { url: "${callbackUrl}", secret: ${CALLBACK_SECRET} }`, `  ratePerMinute: 1000`, ""].join("\n"));
  qoem = await startTestQoem("api", {
    QOEM_CONFIG: file,
    QOEM_EMULATORS: "1",
    SLACK_BOT_TOKEN: "xoxb-test",
    SLACK_SIGNING_SECRET: "signing-secret",
    SLACK_API_URL: slack.apiUrl,
    QOEM_APPROVERS: "U0APPROVER",
    QOEM_APPROVALS_CHANNEL: "C0APPROVALS",
    QOEM_API_CHANNEL: "C0API",
    QOEM_API_TOKENS: `signup:${hashToken(TOKENS.signup)}:onboard+read+offboard:request,reader:${hashToken(TOKENS.reader)}:read`,
  });
  base = `http://127.0.0.1:${qoem.slackPort}`;
});
afterAll(async () => {
  await qoem?.stop();
  await slack?.close();
  await new Promise((r) => receiver.close(r));
});

const call = async (method: string, path: string, options: { token?: string; body?: unknown; key?: string } = {}) => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...(options.key ? { "idempotency-key": options.key } : {}), ...(options.body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
};
const waitForOperation = async (id: string) => {
  for (let i = 0; i < 300; i++) {
    const op = await call("GET", `/api/v1/operations/${id}`, { token: TOKENS.reader });
    if (op.body.state === "completed" || op.body.state === "failed") return op.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`operation ${id} did not end`);
};

describe("the provisioning API", () => {
  it("onboards once per idempotency key: the same request twice is one operation and one tenant", async () => {
    const first = await call("POST", "/api/v1/onboardings", { token: TOKENS.signup, key: "signup-1001", body: { customer: "acme", target: "eu", contact: "ops@acme.example" } });
    expect(first.status).toBe(202);
    expect(first.headers.get("location")).toBe("/api/v1/operations/onboard.acme.eu");
    const again = await call("POST", "/api/v1/onboardings", { token: TOKENS.signup, key: "signup-1001", body: { customer: "acme", target: "eu", contact: "ops@acme.example" } });
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    const op = await waitForOperation(first.body.operation.id);
    expect(op).toMatchObject({ state: "completed", customer: "acme", where: "eu", summary: expect.stringMatching(/acme is onboarded on eu/) });
    expect(op.steps.map((s: { id: string }) => s.id)).toContain("tenant");
    expect(tenantsNamed(qoem.cloudEmulator!, "acme")).toHaveLength(1);
    const reused = await call("POST", "/api/v1/onboardings", { token: TOKENS.signup, key: "signup-1001", body: { customer: "acme", target: "us" } });
    expect(reused).toMatchObject({ status: 422, body: { error: { code: "invalid_request", field: "Idempotency-Key" } } });
    const customer = await call("GET", "/api/v1/customers/acme", { token: TOKENS.reader });
    expect(customer).toMatchObject({ status: 200, body: { customer: "acme", status: "active", where: "eu", kind: "cloud", next: expect.arrayContaining(["/qoem offboard acme"]) } });
    const audit = await qoem.dispatch.audit.read("acme", 50);
    expect(audit.find((e) => e.action.startsWith("onboard acme eu"))).toMatchObject({ user: "api:signup", surface: "api" });
  });

  it("gives concurrent creates of one customer with different keys one environment; the others are 409 naming the operation", async () => {
    const answers = await Promise.all(["eu", "us", "de", "eu", "us"].map((target, i) => call("POST", "/api/v1/onboardings", { token: TOKENS.signup, key: `race-${i}`, body: { customer: "zeta", target } })));
    const accepted = answers.filter((a) => a.status === 202);
    expect(accepted).toHaveLength(1);
    const winner = accepted[0]!.body.operation.id as string;
    const others = answers.filter((a) => a.status !== 202);
    expect(others.every((a) => a.status === 409 && a.body.error.code === "conflict")).toBe(true);
    const where = winner.split(".")[2]!;
    for (const a of others) expect(a.body.error.operation === winner || String(a.body.error.message).includes(where)).toBe(true);
    await waitForOperation(winner);
    expect(tenantsNamed(qoem.cloudEmulator!, "zeta")).toHaveLength(1);
  });

  it("places a customer by data residency: a region, a site, or a refusal before anything is made", async () => {
    const de = await call("POST", "/api/v1/onboardings", { token: TOKENS.signup, key: "res-de", body: { customer: "berlin-co", residency: "DE" } });
    expect(de).toMatchObject({ status: 202, body: { operation: { id: "onboard.berlin-co.de" } } });
    const ch = await call("POST", "/api/v1/onboardings", { token: TOKENS.signup, key: "res-ch", body: { customer: "zurich-co", residency: "CH" } });
    expect(ch).toMatchObject({ status: 202, body: { operation: { id: "onboard.zurich-co.local" } } });
    const br = await call("POST", "/api/v1/onboardings", { token: TOKENS.signup, key: "res-br", body: { customer: "rio-co", residency: "BR" } });
    expect(br).toMatchObject({ status: 422, body: { error: { code: "invalid_request", message: expect.stringMatching(/no Qlik Cloud region and no site in BR/) } } });
    const wrong = await call("POST", "/api/v1/onboardings", { token: TOKENS.signup, key: "res-wrong", body: { customer: "paris-co", residency: "DE", target: "us" } });
    expect(wrong).toMatchObject({ status: 422, body: { error: { message: expect.stringMatching(/does not keep data in DE/) } } });
    expect(await qoem.registry.get("rio-co")).toBeUndefined();
    await waitForOperation("onboard.berlin-co.de");
    await waitForOperation("onboard.zurich-co.local");
    expect(await qoem.registry.get("berlin-co")).toMatchObject({ status: "active", region: "de", residency: "DE" });
    expect(await qoem.registry.get("zurich-co")).toMatchObject({ status: "active", site: "local", residency: "CH" });
  });

  it("places a customer in the shared tenant, and refuses one with personal data there with the guide's reason", async () => {
    const trial = await call("POST", "/api/v1/onboardings", { token: TOKENS.signup, key: "shared-ok", body: { customer: "trial-co", target: "shared" } });
    expect(trial).toMatchObject({ status: 202, body: { operation: { id: "onboard.trial-co.shared" } } });
    const personal = await call("POST", "/api/v1/onboardings", { token: TOKENS.signup, key: "shared-pd", body: { customer: "clinic-co", target: "shared", personalData: true } });
    expect(personal).toMatchObject({ status: 422, body: { error: { message: expect.stringMatching(/clinic-co is marked as holding personal data: Qlik's OEM guide allows a shared tenant only when all users are anonymous/) } } });
    await waitForOperation("onboard.trial-co.shared");
    const view = await call("GET", "/api/v1/customers/trial-co", { token: TOKENS.reader });
    expect(view).toMatchObject({ status: 200, body: { kind: "shared", where: "shared", status: "active" } });
    expect(await qoem.registry.get("clinic-co")).toBeUndefined();
  });

  it("answers a missing or wrong token 401, a missing scope 403 and a malformed body 422 naming the field, in one shape", async () => {
    expect(await call("GET", "/api/v1/customers/acme")).toMatchObject({ status: 401, body: { error: { code: "unauthorized" } } });
    expect(await call("GET", "/api/v1/customers/acme", { token: "not-a-token-0123456789" })).toMatchObject({ status: 401, body: { error: { code: "unauthorized" } } });
    expect(await call("POST", "/api/v1/onboardings", { token: TOKENS.reader, key: "k", body: { customer: "x1", target: "eu" } })).toMatchObject({ status: 403, body: { error: { code: "forbidden", message: expect.stringMatching(/lacks the onboard scope/) } } });
    expect(await call("POST", "/api/v1/onboardings", { token: TOKENS.signup, key: "k2", body: { customer: "Bad Name", target: "eu" } })).toMatchObject({ status: 422, body: { error: { code: "invalid_request", field: "customer" } } });
    expect(await call("POST", "/api/v1/onboardings", { token: TOKENS.signup, key: "k3", body: { customer: "okname", target: "eu", extra: 1 } })).toMatchObject({ status: 422, body: { error: { code: "invalid_request" } } });
    expect(await call("POST", "/api/v1/onboardings", { token: TOKENS.signup, body: { customer: "okname", target: "eu" } })).toMatchObject({ status: 422, body: { error: { field: "Idempotency-Key" } } });
    expect(await call("GET", "/api/v1/operations/nope", { token: TOKENS.reader })).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
    const doc = await call("GET", "/api/openapi.json");
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(["/api/v1/onboardings", "/api/v1/offboardings", "/api/v1/operations/{id}", "/api/v1/customers/{name}"]);
    expect(doc.body.paths["/api/v1/onboardings"].post.requestBody.content["application/json"].schema.properties.residency).toBeDefined();
  });

  it("calls the OEM back, signed and retried after a failure, and tells the API channel", async () => {
    const acme = () => received.find((r) => JSON.parse(r.body).operation.id === "onboard.acme.eu");
    await expect.poll(acme, { timeout: 30_000 }).toBeDefined();
    const delivered = acme()!;
    // Each operation's callback is delivered once, though one delivery was refused and retried.
    const ids = received.map((r) => JSON.parse(r.body).operation.id as string);
    expect(new Set(ids).size).toBe(ids.length);
    expect(delivered).toBeDefined();
    expect(verifyCallback(delivered.body, delivered.signature, CALLBACK_SECRET)).toBe(true);
    expect(verifyCallback(delivered.body.replace("acme", "evil"), delivered.signature, CALLBACK_SECRET)).toBe(false);
    expect(JSON.parse(delivered.body)).toMatchObject({ event: "operation.completed", operation: { customer: "acme", state: "completed" }, requestedBy: "api:signup" });
    expect(refuseNextCallbacks).toBe(0);
    await slack.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage" && c.body.channel === "C0API" && /onboard acme → eu.*completed/.test(String(c.body.text))));
  });

  it("turns an API offboard into the same approval request in Slack; the token never approves", async () => {
    const asked = await call("POST", "/api/v1/offboardings", { token: TOKENS.signup, body: { customer: "acme", purgeAfterDays: 15 } });
    expect(asked).toMatchObject({ status: 202, body: { approval: { status: "pending", customer: "acme" } } });
    const id = asked.body.approval.id as string;
    await slack.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage" && c.body.channel === "C0APPROVALS" && JSON.stringify(c.body.blocks ?? "").includes(id)));
    expect(await qoem.registry.get("acme")).toMatchObject({ status: "offboard-pending" });
    expect(tenantsNamed(qoem.cloudEmulator!, "acme")[0]!.status).toBe("active");
    expect((await call("GET", "/api/v1/customers/acme", { token: TOKENS.reader })).body.pendingApproval).toMatchObject({ id, operation: "offboard" });
  });
});
