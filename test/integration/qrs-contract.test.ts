// The client-managed adapter's QRS calls against Qlik's QRS specification: every one vendored, and nothing sent outside the table.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { qrsOperationOf, qrsOperations } from "../../adapters/client-managed/qrs-operations.ts";
import { runSiteSteps, siteRequest, startSiteFixture } from "../support/site-fixture.ts";

let fixture: Awaited<ReturnType<typeof startSiteFixture>> | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const subset = z
  .object({ "x-qoem-source": z.object({ file: z.string(), sha256: z.string() }), basePath: z.string(), paths: z.record(z.string(), z.record(z.string(), z.unknown())) })
  .parse(JSON.parse(readFileSync(new URL("../../adapters/client-managed/spec/qrs-subset.json", import.meta.url), "utf8")));

describe("QRS, vendored", () => {
  it("holds every QRS operation the adapter calls, from qrs-repository.json", () => {
    expect(subset["x-qoem-source"].file).toBe("qrs-repository.json");
    expect(subset.basePath).toBe("/qrs");
    expect(qrsOperations.filter((op) => !subset.paths[op.path]?.[op.method.toLowerCase()])).toEqual([]);
  });

  it("sees the adapter send only QRS operations of the table, and every one of them, through onboard, rerun, health, a move's app export, a rollout and offboard", async () => {
    fixture = await startSiteFixture();
    const env = { customer: "globex", target: { kind: "client-managed" as const, site: "onprem" } };
    await runSiteSteps(fixture.adapter, siteRequest("globex"));
    // Someone disabled the customer's rule by hand: the rerun puts it right (PUT systemrule).
    [...fixture.emulator.state.rules.values()].find((r) => r.name === "qoem-globex-stream")!.disabled = true;
    // ... and took the engine nodes off its virtual proxy: the rerun routes it again (PUT virtualproxyconfig).
    [...fixture.emulator.state.virtualProxies.values()].find((v) => v.prefix === "globex")!.loadBalancingServerNodes = [];
    await runSiteSteps(fixture.adapter, siteRequest("globex"));
    await fixture.adapter.health(env);
    const [app] = await fixture.adapter.apps!.listApps(env);
    expect((await fixture.adapter.apps!.exportApp(env, app!)).byteLength).toBe(app!.sizeBytes);
    const rollout = fixture.adapter.rollout!;
    const version = await rollout.templateVersion("Sales Overview", env.target);
    const published = (await rollout.findPublished(env, "Sales Overview"))!;
    const kept = await rollout.keep(env, "Sales Overview", published);
    const staged = await rollout.stage(env, version, published);
    await rollout.replace(env, staged.appId, published);
    await rollout.finish(env, { stagedAppId: staged.appId, keptAppId: kept.appId }, "updated");
    await rollout.removeKept(env, kept.appId);
    await fixture.adapter.offboard(env, { purgeAfterDays: 30 });
    const calls = fixture.emulator.stats.qrsCalls;
    expect(calls.filter((c) => !qrsOperationOf(c.split(" ")[0]!, c.split(" ")[1]!))).toEqual([]);
    const used = new Set(calls.map((c) => qrsOperationOf(c.split(" ")[0]!, c.split(" ")[1]!)));
    expect(qrsOperations.filter((op) => !used.has(op))).toEqual([]);
  });
});
