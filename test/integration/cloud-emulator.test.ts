// The emulator refuses what Qlik refuses, over real HTTP, so that it catches a client that gets it wrong.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCloudEmulator, type CloudEmulator } from "../../adapters/qlik-cloud/emulator/cloud-emulator.ts";
import { emulatorDefaults, emulatorOrganizationClient, emulatorRegionClient, emulatorSubscriptionId, emulatorLicenseKey } from "../../adapters/qlik-cloud/emulator/emulator-credentials.ts";

let emu: CloudEmulator;
beforeAll(async () => {
  emu = await startCloudEmulator(emulatorDefaults());
});
afterAll(async () => {
  await emu.close();
  expect(emu.contract.violations).toEqual([]);
});

const post = (host: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${emu.hostUrl(host)}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

async function token(host: string, creds = emulatorRegionClient("eu")): Promise<string> {
  const res = await post(host, "/oauth/token", { client_id: creds.clientId, client_secret: creds.clientSecret, grant_type: "client_credentials" });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

describe("Qlik Cloud emulator", () => {
  it("issues tokens only for valid client credentials, in Qlik's error shape", async () => {
    const bad = await post("register.eu.qlikcloud.com", "/oauth/token", { client_id: "emu-eu-client", client_secret: "wrong", grant_type: "client_credentials" });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ errors: [{ code: "OAUTH-1", title: "invalid_client", status: "401" }] });
    const wrongRegion = await post("register.us.qlikcloud.com", "/oauth/token", { client_id: "emu-eu-client", client_secret: "emu-eu-secret", grant_type: "client_credentials" });
    expect(wrongRegion.status).toBe(401);
    const grant = await post("register.eu.qlikcloud.com", "/oauth/token", { client_id: "emu-eu-client", client_secret: "emu-eu-secret", grant_type: "password" });
    expect(grant.status).toBe(400);
  });

  it("refuses calls without a token, with a bad token, or with another host's token", async () => {
    const none = await post("register.eu.qlikcloud.com", "/api/v1/tenants", { licenseKey: emulatorLicenseKey });
    expect(none.status).toBe(401);
    const bad = await post("register.eu.qlikcloud.com", "/api/v1/tenants", { licenseKey: emulatorLicenseKey }, { authorization: "Bearer nope" });
    expect(bad.status).toBe(401);
    const sourceToken = await token(emu.sourceTenantHost);
    const crossHost = await post("register.eu.qlikcloud.com", "/api/v1/tenants", { licenseKey: emulatorLicenseKey }, { authorization: `Bearer ${sourceToken}` });
    expect(crossHost.status).toBe(401);
    const body = (await crossHost.json()) as { errors: Array<{ code: string; title: string }>; traceId: string };
    expect(body.errors[0]).toMatchObject({ code: "HTTP-401", title: "Unauthorized" });
    expect(body.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("creates tenants with 201 on the register host, reads and patches them on their own host only, and rejects malformed patches", async () => {
    const t = await token("register.eu.qlikcloud.com");
    const auth = { authorization: `Bearer ${t}` };
    expect((await post("register.eu.qlikcloud.com", "/api/v1/tenants", { licenseKey: emulatorLicenseKey, datacenter: "mars-north-1" }, auth)).status).toBe(400);
    expect((await post("register.eu.qlikcloud.com", "/api/v1/tenants", { licenseKey: "forged" }, auth)).status).toBe(400);
    expect((await post("register.eu.qlikcloud.com", "/api/v1/tenants", {}, auth)).status).toBe(400);
    const created = await post("register.eu.qlikcloud.com", "/api/v1/tenants", { licenseKey: emulatorLicenseKey, datacenter: "eu-west-1" }, auth);
    expect(created.status).toBe(201);
    const tenant = (await created.json()) as { id: string; hostnames: string[]; status: string; datacenter: string; region: string };
    expect(tenant).toMatchObject({ status: "active", datacenter: "eu-west-1", region: "eu" });
    expect(tenant.id).toMatch(/^[A-Za-z0-9]{32}$/);

    // Read and patch belong to the tenant's own host; the register host answers as for a tenant that is not itself.
    const onRegister = (method: string, body?: unknown) =>
      fetch(`${emu.hostUrl("register.eu.qlikcloud.com")}/api/v1/tenants/${tenant.id}`, { method, headers: { "content-type": "application/json", ...auth }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    for (const refused of [await onRegister("GET"), await onRegister("PATCH", [{ op: "replace", path: "/name", value: "acme" }])]) {
      expect(refused.status).toBe(404);
      expect(await refused.json()).toMatchObject({ errors: [{ code: "TENANTS-8", title: "Not found" }] });
    }
    const own = { authorization: `Bearer ${await token(tenant.hostnames[0]!)}` };
    const read = await fetch(`${emu.hostUrl(tenant.hostnames[0]!)}/api/v1/tenants/${tenant.id}`, { headers: own });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id: tenant.id, hostnames: tenant.hostnames });
    const source = emu.state.tenantByHost(emu.sourceTenantHost)!;
    expect((await fetch(`${emu.hostUrl(tenant.hostnames[0]!)}/api/v1/tenants/${source.id}`, { headers: own })).status).toBe(404);
    const patch = (ops: unknown) =>
      fetch(`${emu.hostUrl(tenant.hostnames[0]!)}/api/v1/tenants/${tenant.id}`, { method: "PATCH", headers: { "content-type": "application/json", ...own }, body: JSON.stringify(ops) });
    for (const bad of [[], [{ op: "add", path: "/name", value: "x" }], [{ op: "replace", path: "/status", value: "x" }], [{ op: "replace", path: "/hostnames/1", value: "acme.us.qlikcloud.com" }], [{ op: "replace", path: "/enableAppOpeningFeedback", value: "yes" }], { op: "replace" }]) {
      const res = await patch(bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      const body = (await res.json()) as { errors: Array<{ code: unknown; title: unknown }> };
      expect(body.errors[0]).toMatchObject({ code: expect.any(String), title: expect.any(String) });
    }
    expect((await patch([{ op: "replace", path: "/name", value: "acme" }, { op: "replace", path: "/hostnames/1", value: "acme.eu.qlikcloud.com" }])).status).toBe(204);
    expect(emu.state.tenantById(tenant.id)).toMatchObject({ name: "acme", hostnames: [tenant.hostnames[0], "acme.eu.qlikcloud.com"] });
  });

  it("requires the hostname confirmation to deactivate, and reactivates before the purge date", async () => {
    const t = await token("register.eu.qlikcloud.com");
    const auth = { authorization: `Bearer ${t}` };
    const created = (await (await post("register.eu.qlikcloud.com", "/api/v1/tenants", { licenseKey: emulatorLicenseKey }, auth)).json()) as { id: string; hostnames: string[] };
    const action = (name: string, headers: Record<string, string>, body: unknown = {}) => post("register.eu.qlikcloud.com", `/api/v1/tenants/${created.id}/actions/${name}`, body, { ...auth, ...headers });
    expect((await action("deactivate", {})).status).toBe(400);
    expect((await action("deactivate", { "qlik-confirm-hostname": "other.eu.qlikcloud.com" })).status).toBe(412);
    expect((await action("deactivate", { "qlik-confirm-hostname": created.hostnames[0]! }, { purgeAfterDays: 0 })).status).toBe(400);
    const off = await action("deactivate", { "qlik-confirm-hostname": created.hostnames[0]! }, { purgeAfterDays: 15 });
    expect(off.status).toBe(200);
    expect(await off.json()).toMatchObject({ id: created.id, status: "disabled", estimatedPurgeDate: expect.any(String) });
    // Only statuses the specification documents for these actions: 400 (deactivate), none but the default for reactivate.
    expect((await action("deactivate", { "qlik-confirm-hostname": created.hostnames[0]! })).status).toBe(400);
    const on = await action("reactivate", { "qlik-confirm-hostname": created.hostnames[0]! });
    expect(on.status).toBe(200);
    expect(await on.json()).toMatchObject({ status: "active" });
    expect((await action("reactivate", { "qlik-confirm-hostname": created.hostnames[0]! })).status).toBe(400);
  });

  it("lists the organisation's tenants with a SCIM filter and absolute next links", async () => {
    const orgToken = await token("console.qlikcloud.com", emulatorOrganizationClient);
    const regional = await post("console.qlikcloud.com", "/oauth/token", { client_id: "emu-eu-client", client_secret: "emu-eu-secret", grant_type: "client_credentials" });
    expect(regional.status).toBe(401);
    const t = await token("register.de.qlikcloud.com", emulatorRegionClient("de"));
    for (let i = 0; i < 5; i++) await post("register.de.qlikcloud.com", "/api/v1/tenants", { licenseKey: emulatorLicenseKey }, { authorization: `Bearer ${t}` });
    const filter = `subscriptionId eq "${emulatorSubscriptionId}" and regionCode eq "eu-central-1"`;
    let url: string | undefined = `${emu.hostUrl("console.qlikcloud.com")}/api/core/tenants?${new URLSearchParams({ filter, limit: "2" })}`;
    const seen: string[] = [];
    while (url) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${orgToken}` } });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { data: Array<{ id: string; regionCode: string }>; links: { next?: { href: string } } };
      expect(page.data.length).toBeLessThanOrEqual(2);
      for (const item of page.data) expect(item.regionCode).toBe("eu-central-1");
      seen.push(...page.data.map((d) => d.id));
      url = page.links.next?.href;
      if (url) expect(url.startsWith(emu.hostUrl("console.qlikcloud.com"))).toBe(true);
    }
    expect(new Set(seen).size).toBe(5);
    const noSub = await fetch(`${emu.hostUrl("console.qlikcloud.com")}/api/core/tenants?filter=${encodeURIComponent('name eq "x"')}`, { headers: { authorization: `Bearer ${orgToken}` } });
    expect(noSub.status).toBe(400);
    const bad = await fetch(`${emu.hostUrl("console.qlikcloud.com")}/api/core/tenants?filter=${encodeURIComponent('subscriptionId eq "x" or')}`, { headers: { authorization: `Bearer ${orgToken}` } });
    expect(bad.status).toBe(400);
  });

  it("answers a long `or` chain of names and hostnames exactly (a batch of lookups), and takes `not` only before parentheses", async () => {
    const orgToken = await token("console.qlikcloud.com", emulatorOrganizationClient);
    const t = await token("register.uk.qlikcloud.com", emulatorRegionClient("uk"));
    const made: Array<{ id: string; hostnames: string[] }> = [];
    for (let i = 0; i < 4; i++) made.push((await (await post("register.uk.qlikcloud.com", "/api/v1/tenants", { licenseKey: emulatorLicenseKey }, { authorization: `Bearer ${t}` })).json()) as { id: string; hostnames: string[] });
    const list = (filter: string) => fetch(`${emu.hostUrl("console.qlikcloud.com")}/api/core/tenants?${new URLSearchParams({ filter, limit: "100" })}`, { headers: { authorization: `Bearer ${orgToken}` } });
    // 100 customers asked about at once (a URL of about 10 KB): two of the made tenants by their generated name, one by its hostname, the rest unknown.
    const clauses = Array.from({ length: 100 }, (_, i) => `name eq "nobody-${i}" or hostnames eq "nobody-${i}.uk.qlikcloud.com"`);
    clauses[17] = `name eq "${made[0]!.hostnames[0]!.split(".")[0]}" or hostnames eq "x.uk.qlikcloud.com"`;
    clauses[50] = `name eq "y" or hostnames eq "${made[1]!.hostnames[0]}"`;
    clauses[99] = `name eq "${made[2]!.hostnames[0]!.split(".")[0]}" or hostnames eq "z.uk.qlikcloud.com"`;
    const res = await list(`subscriptionId eq "${emulatorSubscriptionId}" and (${clauses.join(" or ")})`);
    expect(res.status).toBe(200);
    const ids = ((await res.json()) as { data: Array<{ id: string }> }).data.map((d) => d.id).sort();
    expect(ids).toEqual([made[0]!.id, made[1]!.id, made[2]!.id].sort());
    // The same chain under another subscription finds nothing: the `and` still binds the whole chain.
    const other = await list(`subscriptionId eq "someone-else" and (${clauses.join(" or ")})`);
    expect(((await other.json()) as { data: unknown[] }).data).toEqual([]);
    // RFC 7644 3.4.2.2: "not" "(" FILTER ")".
    const sub = `subscriptionId eq "${emulatorSubscriptionId}"`;
    const negated = await list(`${sub} and regionCode eq "eu-west-2" and not (id eq "${made[3]!.id}")`);
    expect(negated.status).toBe(200);
    expect(((await negated.json()) as { data: Array<{ id: string }> }).data.map((d) => d.id)).not.toContain(made[3]!.id);
    const bare = await list(`${sub} and not id eq "${made[3]!.id}"`);
    expect(bare.status).toBe(400);
    expect(JSON.stringify(await bare.json())).toContain("expected '(' after 'not'");
  });

  it("answers 429 with Retry-After for the whole tier once its limit is spent, and injects faults", async () => {
    const limited = await startCloudEmulator({ ...emulatorDefaults(), rateLimits: { tier1: { max: 2, windowMs: 60_000 } } });
    try {
      const res = await fetch(`${limited.hostUrl(limited.sourceTenantHost)}/oauth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_id: "emu-eu-client", client_secret: "emu-eu-secret", grant_type: "client_credentials" }) });
      const t = ((await res.json()) as { access_token: string }).access_token;
      const get = (path: string) => fetch(`${limited.hostUrl(limited.sourceTenantHost)}${path}`, { headers: { authorization: `Bearer ${t}` } });
      expect((await get("/api/v1/licenses/overview")).status).toBe(200);
      expect((await get("/api/v1/licenses/settings")).status).toBe(200);
      const over = await get("/api/v1/spaces");
      expect(over.status).toBe(429);
      expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await over.json()).toMatchObject({ errors: [{ code: "HTTP-429", title: "API rate limit reached." }] });

      limited.faults.set([{ action: "status", status: 503, path: "/api/v1/tenants", times: 1 }]);
      const admin = await fetch(`${limited.url}/_emulator/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ rules: [{ action: "drop", path: "register.us", times: 1 }] }) });
      expect(admin.status).toBe(200);
      await expect(fetch(`${limited.hostUrl("register.us.qlikcloud.com")}/api/v1/tenants`, { method: "POST" })).rejects.toThrow();
      const badRules = await fetch(`${limited.url}/_emulator/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ rules: [{ action: "explode" }] }) });
      expect(badRules.status).toBe(400);
    } finally {
      await limited.close();
    }
  });
});
