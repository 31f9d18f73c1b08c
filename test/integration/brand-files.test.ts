// Brands as Qlik's specification takes them: a JPG or PNG logo up to 300 KB, an ICO favicon up to 100 KB, JSON styles, a name used once; the adapter sends each file with its type.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { emulatorRegionClient } from "../../adapters/qlik-cloud/emulator/emulator-credentials.ts";
import { onboardRequest, runSteps, startCloudFixture } from "../support/cloud-fixture.ts";

let fixture: Awaited<ReturnType<typeof startCloudFixture>> | undefined;
let dir: string | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("brand files", () => {
  it("the emulator refuses a file of the wrong type or size, and a second brand of one name", async () => {
    fixture = await startCloudFixture();
    const host = fixture.emulator.sourceTenantHost;
    const creds = emulatorRegionClient("eu");
    const tokenRes = await fetch(`${fixture.emulator.hostUrl(host)}/oauth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_id: creds.clientId, client_secret: creds.clientSecret, grant_type: "client_credentials" }) });
    const token = ((await tokenRes.json()) as { access_token: string }).access_token;
    const create = (name: string, files: Record<string, Blob>) => {
      const form = new FormData();
      form.append("name", name);
      for (const [k, v] of Object.entries(files)) form.append(k, v);
      return fetch(`${fixture!.emulator.hostUrl(host)}/api/v1/brands`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form });
    };
    expect((await create("a", { logo: new Blob([Buffer.alloc(10)]) })).status).toBe(400);
    expect((await create("a", { logo: new Blob([Buffer.alloc(300 * 1024 + 1)], { type: "image/png" }) })).status).toBe(400);
    expect((await create("a", { favIcon: new Blob([Buffer.alloc(10)], { type: "image/png" }) })).status).toBe(400);
    expect((await create("a", { favIcon: new Blob([Buffer.alloc(100 * 1024 + 1)], { type: "image/x-icon" }) })).status).toBe(400);
    expect((await create("a", { logo: new Blob([Buffer.alloc(300 * 1024)], { type: "image/jpeg" }), favIcon: new Blob([Buffer.alloc(10)], { type: "image/vnd.microsoft.icon" }) })).status).toBe(201);
    expect((await create("a", {})).status).toBe(400);
  });

  it("the adapter sends each file with its MIME type, and refuses a file Qlik would refuse before calling it", async () => {
    dir = await mkdtemp(join(tmpdir(), "qoem-brand-"));
    await writeFile(join(dir, "logo.png"), Buffer.alloc(2048, 1));
    await writeFile(join(dir, "favicon.ico"), Buffer.alloc(512, 1));
    await writeFile(join(dir, "styles.json"), "{}");
    await writeFile(join(dir, "logo.gif"), Buffer.alloc(64, 1));
    const branding = (logo: string) => ({ branding: { customers: {}, default: { logo: join(dir!, logo), favIcon: join(dir!, "favicon.ico"), styles: join(dir!, "styles.json") } } });
    fixture = await startCloudFixture({}, branding("logo.png"));
    const { facts } = await runSteps(fixture.adapter, onboardRequest("acme"));
    const [brand] = [...fixture.emulator.state.dataOf(facts.tenantId!).brands.values()];
    expect(brand!.files.map((f) => `${f.id}:${f.contentType}`).sort()).toEqual(["favIcon:image/x-icon", "logo:image/png", "styles:application/json"]);
    await fixture.close();

    fixture = await startCloudFixture({}, branding("logo.gif"));
    await expect(runSteps(fixture.adapter, onboardRequest("acme"))).rejects.toMatchObject({ code: "config_error", message: expect.stringMatching(/logo .*logo\.gif must be \.png or \.jpg or \.jpeg/) });
    expect(fixture.emulator.stats.operations.get("createBrand")).toBeUndefined();
  });
});
