// QRS refuses what a real repository refuses: a custom property value on a type its definition does not list, an update whose body names another entity; the adapter's own requests pass.
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { definitionSchema } from "../../adapters/client-managed/site-queries.ts";
import { expectedSite, runSiteSteps, siteContents, siteRequest, startSiteFixture } from "../support/site-fixture.ts";

let fixture: Awaited<ReturnType<typeof startSiteFixture>> | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe("QRS refusals", () => {
  it("takes a Customer value only on the object types its definition lists, and the adapter adds the missing ones to a definition it adopts", async () => {
    fixture = await startSiteFixture();
    const qrs = fixture.adapter.context.site("onprem").qrs;
    const def = await qrs.call("POST", "/qrs/custompropertydefinition", definitionSchema, { body: { name: "Customer", valueType: "Text", choiceValues: ["acme"], objectTypes: ["User"] } });
    await expect(qrs.call("POST", "/qrs/stream", z.unknown(), { body: { name: "acme", customProperties: [{ value: "acme", definition: { id: def.id } }] } })).rejects.toMatchObject({ message: expect.stringMatching(/not for Stream/) });

    const { outcomes } = await runSiteSteps(fixture.adapter, siteRequest("acme"));
    expect(outcomes).toContain("customer-tag:updated");
    expect(fixture.emulator.state.definitions.get(def.id)!.objectTypes.sort()).toEqual(["App", "ReloadTask", "Stream", "User"]);
    expect(siteContents(fixture.emulator, "acme")).toEqual(expectedSite("acme"));
  });

  it("refuses a PUT whose body id is not the entity of the URL", async () => {
    fixture = await startSiteFixture();
    await runSiteSteps(fixture.adapter, siteRequest("acme"));
    await runSiteSteps(fixture.adapter, siteRequest("beta"));
    const qrs = fixture.adapter.context.site("onprem").qrs;
    const [acme, beta] = ["acme", "beta"].map((c) => [...fixture!.emulator.state.rules.values()].find((r) => r.name === `qoem-${c}-stream`)!);
    const bad = qrs.call("PUT", `/qrs/systemrule/${acme!.id}`, z.unknown(), { body: { ...beta, disabled: true } });
    await expect(bad).rejects.toMatchObject({ message: expect.stringMatching(/not the id in the URL/) });
    expect([acme!.disabled, beta!.disabled]).toEqual([false, false]);
  });
});
