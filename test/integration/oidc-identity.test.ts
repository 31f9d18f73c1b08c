// OIDC identity providers as Qlik keeps them: claimsMapping required, settings pending until an administrator verifies them, and health amber meanwhile.
import { afterEach, describe, expect, it } from "vitest";
import { emulatorRegionClient } from "../../adapters/qlik-cloud/emulator/emulator-credentials.ts";
import { onboardRequest, runSteps, startCloudFixture } from "../support/cloud-fixture.ts";

let fixture: Awaited<ReturnType<typeof startCloudFixture>> | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const oidc = { provider: "okta" as const, discoveryUrl: "https://oem.okta.example/.well-known/openid-configuration", clientId: "qoem", clientSecret: "oidc-secret-value" };

describe("OIDC identity providers", () => {
  it("are refused without claimsMapping, and created pending and inactive with it", async () => {
    fixture = await startCloudFixture();
    const host = fixture.emulator.sourceTenantHost;
    const creds = emulatorRegionClient("eu");
    const tokenRes = await fetch(`${fixture.emulator.hostUrl(host)}/oauth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_id: creds.clientId, client_secret: creds.clientSecret, grant_type: "client_credentials" }) });
    const token = ((await tokenRes.json()) as { access_token: string }).access_token;
    const create = (pendingOptions: object) =>
      fetch(`${fixture!.emulator.hostUrl(host)}/api/v1/identity-providers`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ protocol: "OIDC", provider: "okta", interactive: true, active: true, pendingOptions }) });
    const refused = await create({ discoveryUrl: oidc.discoveryUrl, clientId: oidc.clientId, clientSecret: oidc.clientSecret });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toMatch(/claimsMapping/);
    const created = await create({ discoveryUrl: oidc.discoveryUrl, clientId: oidc.clientId, clientSecret: oidc.clientSecret, claimsMapping: { sub: ["sub"] } });
    expect(created.status).toBe(201);
    const idp = (await created.json()) as Record<string, unknown>;
    expect(idp).toMatchObject({ active: false, pendingState: "pending", pendingOptions: { discoveryUrl: oidc.discoveryUrl } });
    expect(JSON.stringify(idp)).not.toContain(oidc.clientSecret);
  });

  it("leave the customer's health amber, awaiting verification, until an administrator verifies them", async () => {
    fixture = await startCloudFixture({}, { identity: { oidc } });
    const { facts } = await runSteps(fixture.adapter, onboardRequest("acme"));
    const env = { customer: "acme", target: { kind: "cloud" as const, region: "eu" }, tenantId: facts.tenantId!, hostname: facts.hostname! };
    const before = await fixture.adapter.health(env);
    expect(before.verdict).toBe("amber");
    expect(before.reasons.join("; ")).toMatch(/awaiting verification/);
    fixture.emulator.state.dataOf(facts.tenantId!).verifyPendingIdps();
    const after = await fixture.adapter.health(env);
    expect(after).toMatchObject({ verdict: "green", reasons: [] });
  });
});
