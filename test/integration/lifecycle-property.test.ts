// A property over random command sequences on both kinds of deployment: whatever is typed and whatever
// fails, every customer ends in a status a documented command leads on from, the registry agrees with
// the emulators, and nothing is duplicated.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { sayCommand } from "../support/say-command.ts";
import { tenantsNamed } from "../support/cloud-fixture.ts";
import { lifecycle, nextCommands } from "../../src/core/customer-lifecycle.ts";
import { whereOf, targetOf } from "../../src/core/customer-registry.ts";
import type { FaultRule } from "../../adapters/qlik-cloud/emulator/faults.ts";

let qoem: TestQoem;
beforeAll(async () => {
  qoem = await startTestQoem("lifecycle-property");
});
afterAll(async () => {
  process.stdout.write(`lifecycle property: sequences ended in ${JSON.stringify(ended)}\n`);
  await qoem?.stop();
});

type Kind = "cloud" | "site";
type Action =
  | { do: "onboard"; templates: string[]; features: string[] }
  | { do: "offboard" | "abandon" | "reactivate" | "approve" | "reject" | "status" }
  | { do: "fault"; rule: FaultRule };

const cloudPaths = ["/api/v1/tenants", "/api/v1/spaces", "/api/v1/apps/import", "/api/v1/webhooks", "/api/v1/identity-providers", "/api/v1/brands", "/api/v1/groups"];
const sitePaths = ["/qrs/stream", "/qrs/systemrule", "/qrs/app/", "/qrs/virtualproxyconfig", "/qrs/custompropertydefinition"];
const templates = ["Sales Overview", "Operations Monitor"];

const onboard = (kind: Kind): fc.Arbitrary<Action> =>
  fc.record({ do: fc.constant("onboard" as const), templates: fc.subarray(templates), features: kind === "cloud" ? fc.subarray(["alerting", "direct-query"]) : fc.constant<string[]>([]) });

const action = (kind: Kind): fc.Arbitrary<Action> =>
  fc.oneof(
    { weight: 4, arbitrary: onboard(kind) },
    { weight: 2, arbitrary: fc.constant<Action>({ do: "offboard" }) },
    { weight: 2, arbitrary: fc.constant<Action>({ do: "abandon" }) },
    { weight: 1, arbitrary: fc.constantFrom<Action>({ do: "reactivate" }, { do: "status" }) },
    { weight: 3, arbitrary: fc.constant<Action>({ do: "approve" }) },
    { weight: 1, arbitrary: fc.constant<Action>({ do: "reject" }) },
    {
      weight: 2,
      arbitrary: fc.record({
        do: fc.constant("fault" as const),
        rule: fc.record({
          method: fc.constantFrom("POST", "PUT", "PATCH"),
          path: fc.constantFrom(...(kind === "cloud" ? cloudPaths : sitePaths)),
          action: fc.constantFrom("status" as const, "drop-after" as const),
          status: fc.constantFrom(403, 503),
          times: fc.constant(1),
        }),
      }),
    },
  );

let run = 0;
/** Where the sequences ended, printed once, so a run shows what it explored. */
const ended: Record<string, number> = {};

async function play(kind: Kind, actions: Action[]): Promise<void> {
  const customer = `prop-${kind}-${++run}`;
  const where = kind === "cloud" ? "eu" : "local";
  const emulatorFaults = kind === "cloud" ? qoem.cloudEmulator!.faults : qoem.siteEmulator!.faults;
  let requestId: string | undefined;
  for (const a of actions) {
    if (a.do === "fault") {
      emulatorFaults.set([a.rule]);
      continue;
    }
    const text =
      a.do === "onboard"
        ? `onboard ${customer} ${where}${a.templates.map((t) => ` --template "${t}"`).join("")}${a.features.length ? ` --features ${a.features.join(",")}` : ""}`
        : a.do === "approve" || a.do === "reject"
          ? `${a.do} ${requestId ?? "rzzzzzzzzzz"}`
          : `${a.do} ${customer}`;
    const said = await sayCommand(qoem, text, a.do === "approve" || a.do === "reject" ? "U2" : "U1");
    if (said.answer.kind === "approval") requestId = said.answer.approval.id;
    if (said.outcome) expect(said.outcome.state, `${text}: ${said.outcome.error ?? ""}`).not.toBe("timeout");
  }
  emulatorFaults.set([]);
  const record = await qoem.registry.get(customer);
  ended[`${kind}:${record?.status ?? "never accepted"}`] = (ended[`${kind}:${record?.status ?? "never accepted"}`] ?? 0) + 1;
  if (!record) return; // nothing was ever accepted for it (every command refused)
  const facts = { status: record.status, customer, where: whereOf(targetOf(record)), kind: record.kind, ...(requestId ? { requestId } : {}) };
  const trail = `${customer}: ${actions.map((a) => a.do + (a.do === "fault" ? `(${a.rule.path} ${a.rule.action} ${a.rule.status})` : "")).join(", ")} -> ${record.status} ${record.lastError ?? ""}`;
  // Every operation was followed to its end: no customer is left in a status only a running job leaves.
  expect(lifecycle[record.status].transient, trail).toBeFalsy();
  expect(nextCommands(facts).length, trail).toBeGreaterThan(0);
  if (kind === "cloud") {
    const tenants = tenantsNamed(qoem.cloudEmulator!, customer);
    expect(tenants.length, trail).toBeLessThanOrEqual(1);
    const tenant = tenants[0];
    if (record.status === "active") {
      expect(tenant?.status, trail).toBe("active");
      expect(record.tenantId, trail).toBe(tenant?.id);
      const data = qoem.cloudEmulator!.state.dataOf(tenant!.id);
      const names = [...data.apps.values()].map((x) => `${x.spaceId}:${x.name}:${x.published}`);
      expect(new Set(names).size, trail).toBe(names.length);
      const spaces = [...data.spaces.values()].map((s) => s.name);
      expect(new Set(spaces).size, trail).toBe(spaces.length);
      expect(data.webhooks.size, trail).toBeLessThanOrEqual(1);
      expect(data.idps.size, trail).toBe(1);
    }
    if (record.status === "deactivated") expect(tenant?.status, trail).toBe("disabled");
    if (record.status === "removed") expect(tenant === undefined || tenant.status === "disabled", trail).toBe(true);
  } else {
    const streams = [...qoem.siteEmulator!.state.streams.values()].filter((s) => s.name === customer);
    expect(streams.length, trail).toBeLessThanOrEqual(1);
    const apps = [...qoem.siteEmulator!.state.apps.values()].filter((x) => x.stream?.id === streams[0]?.id && streams[0]).map((x) => x.name);
    expect(new Set(apps).size, trail).toBe(apps.length);
    if (record.status === "active") expect(streams, trail).toHaveLength(1);
    if (record.status === "removed") {
      expect(streams, trail).toHaveLength(0);
      expect([...qoem.siteEmulator!.state.rules.values()].filter((r) => r.name === `qoem-${customer}-stream`), trail).toHaveLength(0);
    }
  }
}

describe("the customer lifecycle under random commands and faults", () => {
  for (const kind of ["cloud", "site"] as const) {
    it(`always leaves a ${kind} customer with a way on, agreeing with the emulator, with nothing duplicated`, async () => {
      await fc.assert(fc.asyncProperty(fc.array(action(kind), { maxLength: 2 }), onboard(kind), fc.array(action(kind), { minLength: 2, maxLength: 7 }), (before, first, after) => play(kind, [...before, first, ...after])), { numRuns: 30, endOnFailure: true });
    }, 300_000);
  }
});
