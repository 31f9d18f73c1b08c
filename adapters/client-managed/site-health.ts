/**
 * Health of a customer on a client-managed site: the engine's health check (saturation, memory,
 * CPU), the repository's service status, the customer's stream, rule and published apps, an
 * enigma.js session that opens one of its apps, and failed reload tasks in the last 24 hours.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { z } from "zod";
import type { HealthReport, Verdict } from "../port.ts";
import { qrsGuid, qrsString } from "./qrs-client.ts";
import { appsInStream, findCustomerStream, list, ruleName, ruleSchema } from "./site-queries.ts";
import { probeEngine } from "./engine-session.ts";
import type { SiteHandle } from "./site-adapter.ts";

const DAY_MS = 86_400_000;
const FINISHED_FAIL = 8;
const serviceNames = ["Repository", "Proxy", "Scheduler", "Engine", "AppMigration", "Printing"];
const healthSchema = z.object({
  saturated: z.boolean(),
  mem: z.object({ free: z.number(), totalPhysical: z.number() }).passthrough(),
  cpu: z.object({ total: z.number() }).passthrough(),
  session: z.object({ active: z.number() }).passthrough().optional(),
}).passthrough();
const serviceSchema = z.array(z.object({ serviceType: z.number(), serviceState: z.number() }).passthrough());
const taskSchema = z.array(z.object({ name: z.string(), operational: z.object({ lastExecutionResult: z.object({ status: z.number(), stopTime: z.string().optional(), details: z.array(z.object({ message: z.string().optional() })).default([]) }).passthrough() }).passthrough() }).passthrough());

function engineHealth(site: SiteHandle): Promise<unknown> {
  const url = new URL(site.engineUrl.replace(/^ws/, "http").replace(/\/+$/, "") + "/healthcheck");
  return new Promise((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(url, { method: "GET", timeout: 10_000, headers: { "x-qlik-user": `UserDirectory=${site.userDirectory}; UserId=${site.userId}` }, ...(url.protocol === "https:" ? { ...site.tls } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        if ((res.statusCode ?? 0) >= 300) return reject(new Error(`HTTP ${res.statusCode}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        } catch {
          reject(new Error("not JSON"));
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });
}

export async function siteHealth(site: SiteHandle, customer: string, templates: string[] = []): Promise<HealthReport> {
  let verdict: Verdict = "green";
  const reasons: string[] = [];
  const add = (level: "amber" | "red", reason: string) => {
    reasons.push(reason);
    if (level === "red" || verdict === "green") verdict = level;
  };
  const done = (): HealthReport => ({ customer, verdict, reasons, checkedAt: new Date().toISOString() });

  try {
    const h = healthSchema.parse(await engineHealth(site));
    if (h.saturated) add("red", "the engine is saturated (CPU or memory above 90 %)");
    if (h.mem.totalPhysical > 0 && h.mem.free / h.mem.totalPhysical < 0.1) add("amber", `engine memory low: ${Math.round(h.mem.free)} MB free of ${Math.round(h.mem.totalPhysical)} MB`);
    if (h.cpu.total > 90) add("amber", `engine CPU at ${h.cpu.total} %`);
  } catch (e) {
    add("red", `the engine health check at ${site.engineUrl} does not answer (${(e as Error).message})`);
  }

  try {
    const services = await site.qrs.call("GET", "/qrs/servicestatus/full", serviceSchema);
    const down = services.filter((s) => s.serviceState !== 2);
    if (down.length) add("red", `site services not running: ${down.map((s) => serviceNames[s.serviceType] ?? `type ${s.serviceType}`).join(", ")}`);
  } catch (e) {
    add("red", `the repository does not answer (${(e as Error).message})`);
    return done();
  }

  const stream = await findCustomerStream(site.qrs, customer);
  if (!stream) {
    add("red", `stream ${customer} is missing`);
    return done();
  }
  const [rule] = await list(site.qrs, "/qrs/systemrule/full", ruleSchema, `name eq ${qrsString(ruleName(customer))}`);
  if (!rule) add("red", `security rule ${ruleName(customer)} is missing: the customer's users cannot see their stream`);
  else if (rule.disabled) add("red", `security rule ${ruleName(customer)} is disabled`);

  const apps = await appsInStream(site.qrs, stream.id);
  if (apps.length === 0) add("amber", `no apps are published to stream ${customer}`);
  // Compared against the templates the customer was given (when it was given a choice).
  const missing = templates.filter((t) => !apps.some((a) => a.name === t));
  if (apps.length && missing.length) add("amber", `templates not published to stream ${customer}: ${missing.join(", ")}`);
  else {
    try {
      await probeEngine(site, apps[0]!.id);
    } catch (e) {
      add("red", `an engine session could not open ${apps[0]!.name}: ${(e as Error).message}`);
    }
  }

  const tasks = await site.qrs.call("GET", "/qrs/reloadtask/full", taskSchema, { query: { filter: `app.stream.id eq ${qrsGuid(stream.id)}` } });
  const failed = tasks.filter((t) => t.operational.lastExecutionResult.status === FINISHED_FAIL && t.operational.lastExecutionResult.stopTime && Date.now() - Date.parse(t.operational.lastExecutionResult.stopTime) <= DAY_MS);
  if (failed.length) {
    const message = failed[0]!.operational.lastExecutionResult.details.find((d) => d.message)?.message;
    add(failed.length >= 5 ? "red" : "amber", `${failed.length} reload task${failed.length > 1 ? "s" : ""} failed in the last 24 hours (${failed.map((t) => t.name).join(", ")}${message ? `: ${message}` : ""})`);
  }
  return done();
}
