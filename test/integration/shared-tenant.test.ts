// The shared-tenant adapter on the emulator: isolation seen as each customer's users, the guide's limits, guardrail drift, offboarding one customer, and faults at every step.
import { afterEach, describe, expect, it } from "vitest";
import { QoemError } from "../../adapters/port.ts";
import { PRODUCTION_MARK } from "../../adapters/qlik-cloud/shared-tenant/shared-context.ts";
import { expectedSharedContents, runAll, seenBy, SHARED_HOST, sharedContents, sharedEnv, sharedRequest, signIn, startSharedFixture } from "../support/shared-fixture.ts";

let fixture: Awaited<ReturnType<typeof startSharedFixture>> | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const templates = ["Customer Insights", "Operations Monitor", "Sales Overview"];
const knob = (body: object) => fetch(`${fixture!.emulator.url}/_emulator/tenants/${SHARED_HOST}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** Another customer's production space, as qoem would have made it, without running its onboard. */
function seedCustomers(names: string[]) {
  for (const name of names) fixture!.data.addSpace(`${name}-production`, "managed").description = `${PRODUCTION_MARK}${name}`;
}

describe("two customers in one shared tenant", () => {
  it("gives each a group, a staging and a production space and the templates, and each customer's users see only their own production space and apps", async () => {
    fixture = await startSharedFixture();
    await runAll(fixture.adapter, sharedRequest("alpha"));
    await runAll(fixture.adapter, sharedRequest("beta"));
    for (const c of ["alpha", "beta"]) expect(sharedContents(fixture.emulator, c)).toEqual(expectedSharedContents(c));

    const alice = await signIn(fixture.emulator, { name: "alpha user", email: "a1@users.invalid", groups: ["alpha-users"] });
    const bob = await signIn(fixture.emulator, { name: "beta user", email: "b1@users.invalid", groups: ["beta-users"] });
    const nobody = await signIn(fixture.emulator, { name: "no group", email: "n1@users.invalid", groups: [] });
    expect(await seenBy(fixture.emulator, alice.token)).toEqual({ spaces: ["alpha-production"], apps: templates.map((t) => `alpha-production/${t}`) });
    expect(await seenBy(fixture.emulator, bob.token)).toEqual({ spaces: ["beta-production"], apps: templates.map((t) => `beta-production/${t}`) });
    expect(await seenBy(fixture.emulator, nobody.token)).toEqual({ spaces: [], apps: [] });

    // The group only consumes: a member cannot import into its own production space.
    const space = [...fixture.data.spaces.values()].find((s) => s.name === "alpha-production")!;
    const upload = await fetch(`${fixture.emulator.hostUrl(SHARED_HOST)}/api/v1/apps/import?spaceId=${space.id}&name=x`, { method: "POST", headers: { authorization: `Bearer ${alice.token}`, "content-type": "application/octet-stream" }, body: "QVF" });
    expect(upload.status).toBe(403);
    // Neither can open the other's app by id.
    const betaApp = [...fixture.data.apps.values()].find((a) => a.spaceId === [...fixture!.data.spaces.values()].find((s) => s.name === "beta-production")!.id)!;
    const open = await fetch(`${fixture.emulator.hostUrl(SHARED_HOST)}/api/v1/apps/${betaApp.id}`, { headers: { authorization: `Bearer ${alice.token}` } });
    expect(open.status).toBe(403);
  });

  it("turns notes, sharing, subscriptions and data alerts off at the first onboard and leaves them off", async () => {
    fixture = await startSharedFixture();
    expect(fixture.data.collaboration).toMatchObject({ notes: true, sharing: true, reportSubscription: true, dataAlerts: true });
    const first = await runAll(fixture.adapter, sharedRequest("alpha"));
    expect(first.outcomes.find((o) => o.id === "collaboration")?.outcome).toBe("updated");
    expect(fixture.data.collaboration).toMatchObject({ notes: false, sharing: false, reportSubscription: false, reportingTemplateSubscription: false, dataAlerts: false });
    const second = await runAll(fixture.adapter, sharedRequest("beta"));
    expect(second.outcomes.find((o) => o.id === "collaboration")?.outcome).toBe("unchanged");
  });

  it("offboards one customer: its apps, assignments, spaces and group go; the other stays whole and its users still see their apps", async () => {
    fixture = await startSharedFixture();
    await runAll(fixture.adapter, sharedRequest("alpha"));
    await runAll(fixture.adapter, sharedRequest("beta"));
    const bob = await signIn(fixture.emulator, { name: "beta user", email: "b1@users.invalid", groups: ["beta-users"] });
    const before = await seenBy(fixture.emulator, bob.token);
    const result = await fixture.adapter.offboard(sharedEnv("alpha"), { purgeAfterDays: 30 });
    expect(result.status).toBe("deleted");
    expect(sharedContents(fixture.emulator, "alpha")).toEqual({ spaces: [], groups: 0, staged: [], published: [], productionAssignments: [], stagingAssignments: 0 });
    expect(sharedContents(fixture.emulator, "beta")).toEqual(expectedSharedContents("beta"));
    expect(await seenBy(fixture.emulator, bob.token)).toEqual(before);
    expect(fixture.emulator.state.tenantByHost(SHARED_HOST)?.status).toBe("active");
    // A second offboard finds nothing more to remove and still touches nothing of beta's.
    await fixture.adapter.offboard(sharedEnv("alpha"), { purgeAfterDays: 30 });
    expect(sharedContents(fixture.emulator, "beta")).toEqual(expectedSharedContents("beta"));
    // A look-alike space someone else made (not marked as alpha's by qoem) is not alpha's to remove.
    const lookalike = fixture.data.addSpace("alpha-production", "managed");
    await fixture.adapter.offboard(sharedEnv("alpha"), { purgeAfterDays: 30 });
    expect(fixture.data.spaces.has(lookalike.id)).toBe(true);
    expect((await fixture.adapter.health(sharedEnv("beta"))).verdict).toBe("green");
    await expect(fixture.adapter.reactivate(sharedEnv("alpha"))).rejects.toMatchObject({ code: "unsupported" });
  });

  it("offboards one customer's people with it: the anonymous users of its group go, admins and members of another group stay", async () => {
    fixture = await startSharedFixture();
    await runAll(fixture.adapter, sharedRequest("alpha"));
    await runAll(fixture.adapter, sharedRequest("beta"));
    const a1 = await signIn(fixture.emulator, { name: "alpha one", email: "a1@users.invalid", groups: ["alpha-users"] });
    const a2 = await signIn(fixture.emulator, { name: "alpha two", email: "a2@users.invalid", groups: ["alpha-users"] });
    const both = await signIn(fixture.emulator, { name: "in both", email: "ab@users.invalid", groups: ["alpha-users", "beta-users"] });
    const bob = await signIn(fixture.emulator, { name: "beta user", email: "b1@users.invalid", groups: ["beta-users"] });
    const admin = fixture.data.addUser("OEM admin", "auth0|oem-admin", ["TenantAdmin"], { email: "ops@oem.example", groupIds: [[...fixture.data.groups.values()].find((g) => g.name === "alpha-users")!.id] });

    const result = await fixture.adapter.offboard(sharedEnv("alpha"), { purgeAfterDays: 30 });
    expect(result.detail).toContain("2 users");
    expect(result.detail).toContain(`kept 2 members of its group that are admins or belong to another group too`);
    const left = new Set(fixture.data.users.keys());
    expect([a1.id, a2.id].filter((id) => left.has(id))).toEqual([]);
    expect([both.id, bob.id, admin.id].every((id) => left.has(id))).toBe(true);
    // Bob still sees beta's apps: his token and group are untouched.
    expect((await seenBy(fixture.emulator, bob.token)).spaces).toEqual(["beta-production"]);
    // Again: nothing more to remove, nothing of beta's touched.
    const again = await fixture.adapter.offboard(sharedEnv("alpha"), { purgeAfterDays: 30 });
    expect(again.detail).toContain("0 users");
    expect(fixture.data.users.has(bob.id)).toBe(true);
  });

  it("lists one customer's apps by space, for a move to its own tenant", async () => {
    fixture = await startSharedFixture();
    await runAll(fixture.adapter, sharedRequest("alpha"));
    await runAll(fixture.adapter, sharedRequest("beta"));
    const apps = await fixture.adapter.listCustomerApps(sharedEnv("alpha"));
    expect(apps.map((a) => `${a.space}/${a.name}`).sort()).toEqual([...templates.map((t) => `production/${t}`), ...templates.map((t) => `staging/${t}`)].sort());
    const alphaSpaces = new Set([...fixture.data.spaces.values()].filter((s) => s.name.startsWith("alpha-")).map((s) => s.id));
    expect(apps.every((a) => alphaSpaces.has(a.spaceId))).toBe(true);
  });

  it("is a move's source: lists only the customer's production apps with their sizes, exports them, and refuses to export another customer's app", async () => {
    fixture = await startSharedFixture();
    await runAll(fixture.adapter, sharedRequest("alpha"));
    await runAll(fixture.adapter, sharedRequest("beta"));
    const spaceOf = (name: string) => [...fixture!.data.spaces.values()].find((s) => s.name === name)!;
    const alphaApps = [...fixture.data.apps.values()].filter((a) => a.spaceId === spaceOf("alpha-production").id);
    alphaApps[0]!.content = Buffer.from(`alpha's own ${"q".repeat(3000)}`);
    const transfer = fixture.adapter.apps!;
    // A source only: nothing is ever imported into a shared tenant.
    expect(transfer.importApp).toBeUndefined();
    const listed = await transfer.listApps(sharedEnv("alpha"));
    expect(listed.map((a) => a.name)).toEqual(templates);
    expect(new Set(listed.map((a) => a.id))).toEqual(new Set(alphaApps.map((a) => a.id)));
    expect(listed.find((a) => a.id === alphaApps[0]!.id)!.sizeBytes).toBe(alphaApps[0]!.content.length);
    const file = await transfer.exportApp(sharedEnv("alpha"), listed.find((a) => a.id === alphaApps[0]!.id)!);
    expect(Buffer.from(file).toString()).toBe(alphaApps[0]!.content.toString());

    const betaApp = [...fixture.data.apps.values()].find((a) => a.spaceId === spaceOf("beta-production").id)!;
    const refused = await transfer.exportApp(sharedEnv("alpha"), { id: betaApp.id, name: betaApp.name, sizeBytes: 1 }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "user_error" });
    expect((refused as Error).message).toMatch(/is not in alpha's production space in shared tenant shared; qoem exports only that customer's apps/);
    // A customer with nothing there (removed, or never onboarded) has no apps to move.
    expect(await transfer.listApps(sharedEnv("gamma"))).toEqual([]);
  });
});

describe("the guide's limits, enforced by the adapter", () => {
  it("refuses a tenth customer with the guide's reason and the alternative; a customer already there is onboarded again", async () => {
    fixture = await startSharedFixture();
    seedCustomers(["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8"]);
    await runAll(fixture.adapter, sharedRequest("ninth"));
    const error = await runAll(fixture.adapter, sharedRequest("tenth")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QoemError);
    expect(error).toMatchObject({ code: "user_error", retryable: false });
    expect((error as Error).message).toMatch(/already serves 9 customers: Qlik's OEM guide allows a shared tenant only for fewer than 10 customers; \/qoem onboard tenth <region> gives tenth its own tenant/);
    expect(sharedContents(fixture.emulator, "tenth").spaces).toEqual([]);
    await runAll(fixture.adapter, sharedRequest("ninth"));
    expect(sharedContents(fixture.emulator, "ninth")).toEqual(expectedSharedContents("ninth"));
  });

  it("stops with what an admin must do when the API cannot turn notes off", async () => {
    fixture = await startSharedFixture();
    expect((await knob({ collaboration: { notesLocked: true } })).status).toBe(200);
    const error = await runAll(fixture.adapter, sharedRequest("alpha")).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "config_error" });
    expect((error as Error).message).toMatch(/could not turn off notes .*decided by the deployment.*a tenant admin must turn it off in the Management Console \(Settings > Feature control > Notes\)/);
    expect(sharedContents(fixture.emulator, "alpha").groups).toBe(0);
  });

  it("stops when people could sign in as themselves or a user has a real-looking address, naming users by id only", async () => {
    fixture = await startSharedFixture();
    // The OEM's own administrator has a real address and is no customer's user.
    fixture.data.addUser("OEM admin", "auth0|oem-admin", ["TenantAdmin"], { email: "admin@oem.example.com" });
    const real = await signIn(fixture.emulator, { name: "Jane Doe", email: "jane.doe@acme.com", groups: [] });
    const error = await runAll(fixture.adapter, sharedRequest("alpha")).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "config_error" });
    expect((error as Error).message).toContain(real.id);
    expect((error as Error).message).toContain("outside the dummy domain users.invalid");
    expect((error as Error).message).not.toContain("jane.doe");
    expect((error as Error).message).toMatch(/^1 user of shared tenant shared/);
    fixture.data.users.delete(real.id);
    fixture.data.idps.set("oidc1", { id: "oidc1", protocol: "OIDC", provider: "okta", active: true, interactive: true, description: "", tenantIds: [], options: {}, created: new Date().toISOString(), lastUpdated: new Date().toISOString() });
    const interactive = await runAll(fixture.adapter, sharedRequest("alpha")).catch((e: unknown) => e);
    expect((interactive as Error).message).toMatch(/interactive identity provider \(OIDC oidc1\).*must deactivate it/);
  });
});

describe("guardrail drift, found by health", () => {
  const setUp = async () => {
    fixture = await startSharedFixture();
    await runAll(fixture.adapter, sharedRequest("alpha"));
    await runAll(fixture.adapter, sharedRequest("beta"));
    expect(await fixture.adapter.health(sharedEnv("alpha"))).toMatchObject({ verdict: "green", reasons: [] });
  };

  it("finds collaboration turned back on", async () => {
    await setUp();
    await knob({ collaboration: { sharing: true, dataAlerts: true } });
    const report = await fixture!.adapter.health(sharedEnv("alpha"));
    expect(report.verdict).toBe("red");
    expect(report.reasons).toEqual(["guardrail drift: sharing, data alerts turned back on in shared tenant shared"]);
  });

  it("finds another customer's group assigned to its space", async () => {
    await setUp();
    const production = [...fixture!.data.spaces.values()].find((s) => s.name === "alpha-production")!;
    const beta = fixture!.data.groupNamed("beta-users");
    fixture!.data.assignments.get(production.id)!.push({ id: "a-drift", spaceId: production.id, tenantId: fixture!.tenant.id, type: "group", assigneeId: beta.id, roles: ["consumer"], createdAt: new Date().toISOString() });
    const report = await fixture!.adapter.health(sharedEnv("alpha"));
    expect(report).toMatchObject({ verdict: "red", reasons: ["guardrail drift: group beta-users, not alpha's, is assigned to space alpha-production"] });
    expect((await fixture!.adapter.health(sharedEnv("beta"))).verdict).toBe("green");
  });

  it("finds a member with a real-looking e-mail address, by id", async () => {
    await setUp();
    await signIn(fixture!.emulator, { name: "fine", email: "x@users.invalid", groups: ["alpha-users"] });
    const real = await signIn(fixture!.emulator, { name: "Jane", email: "jane@acme.com", groups: ["alpha-users"] });
    const report = await fixture!.adapter.health(sharedEnv("alpha"));
    expect(report).toMatchObject({ verdict: "red", reasons: [`guardrail drift: 1 member of alpha-users (${real.id}) with a real-looking e-mail address (not @users.invalid)`] });
    expect(report.reasons.join()).not.toContain("jane@");
  });

  it("finds more customers than the limit", async () => {
    await setUp();
    seedCustomers(["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8"]);
    const report = await fixture!.adapter.health(sharedEnv("alpha"));
    expect(report).toMatchObject({ verdict: "red", reasons: ["guardrail drift: shared tenant shared serves 10 customers, above the limit of 9"] });
  });
});

describe("faults at every step", () => {
  // The identity provider is the tenant's, made by its first onboard: its fault comes first.
  const faultPoints: Array<[string, string, string]> = [
    ["identity", "POST", "/api/v1/identity-providers"],
    ["shared-tenant", "GET", "/api/v1/tenants/me"],
    ["places", "GET", "/api/v1/spaces"],
    ["collaboration", "PUT", "/api/v1/notes/settings"],
    ["collaboration", "PATCH", "/api/v1/sharing-tasks/settings"],
    ["collaboration", "PUT", "/api/v1/data-alerts/settings"],
    ["identity", "GET", "/api/v1/users"],
    ["group", "POST", "/api/v1/groups"],
    ["spaces", "POST", "/api/v1/spaces"],
    ["spaces", "POST", "/assignments"],
    ["templates", "POST", "/api/v1/apps/import"],
    ["templates", "POST", "/publish"],
  ];

  it.each(["status", "drop-after"] as const)("resumes after a fault (%s) at each step in turn and ends with exactly one of everything", async (action) => {
    fixture = await startSharedFixture();
    for (const [i, [step, method, path]] of faultPoints.entries()) {
      if (action === "drop-after" && method === "GET") continue;
      const customer = `resume-${i}`;
      // Collaboration is tenant-wide: turned on again so that each customer's onboard has something to turn off.
      Object.assign(fixture.data.collaboration, { notes: true, sharing: true, reportSubscription: true, reportingTemplateSubscription: true, dataAlerts: true });
      // Only calls to the shared tenant (the source tenant's template export is not this adapter's step).
      const where = path.startsWith("/api") ? `${SHARED_HOST}${path}` : `/^${SHARED_HOST.replace(/\./g, "\\.")}\/.*${path}$/`;
      fixture.emulator.faults.set([{ method, path: where, action, ...(action === "status" ? { status: 503 } : {}), times: 1 }]);
      const facts = {};
      const failed = await runAll(fixture.adapter, sharedRequest(customer), facts).then(() => undefined, (e: unknown) => e);
      expect(failed, `${step} ${method} ${path}: the onboard failed`).toMatchObject({ code: "transient", retryable: true });
      expect(fixture.emulator.faults.list(), `${step}: the fault fired`).toEqual([]);
      await runAll(fixture.adapter, sharedRequest(customer), facts);
      expect(sharedContents(fixture.emulator, customer), `${step} ${method} ${path}`).toEqual(expectedSharedContents(customer));
      expect(fixture.data.collaboration).toMatchObject({ notes: false, sharing: false, dataAlerts: false });
      // Its place is given back, so the guide's limit of 9 never stops the next fault point.
      await fixture.adapter.offboard(sharedEnv(customer), { purgeAfterDays: 30 });
    }
    expect(fixture.data.idps.size).toBe(1);
  });
});

describe("the emulator's settings and membership endpoints, as the specification gives them", () => {
  it("refuses malformed settings changes and a person who is no tenant admin, and filters users only by documented attributes", async () => {
    fixture = await startSharedFixture();
    const creds = fixture.emulator.regionClients.eu!;
    const tokenRes = await fetch(`${fixture.emulator.hostUrl(SHARED_HOST)}/oauth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_id: creds.clientId, client_secret: creds.clientSecret, grant_type: "client_credentials" }) });
    const admin = ((await tokenRes.json()) as { access_token: string }).access_token;
    const call = (method: string, path: string, token: string, body?: unknown) =>
      fetch(`${fixture!.emulator.hostUrl(SHARED_HOST)}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    // AlertingSettingsUpload requires enable-data-alerting; the sharing patch's path is an enum.
    expect((await call("PUT", "/data-alerts/settings", admin, {})).status).toBe(400);
    expect((await call("PATCH", "/sharing-tasks/settings", admin, [{ op: "replace", path: "/enable-everything", value: false }])).status).toBe(400);
    expect((await call("PATCH", "/sharing-tasks/settings", admin, [{ op: "replace", path: "/enable-sharing", value: false }])).status).toBe(204);
    expect(await (await call("GET", "/sharing-tasks/settings", admin)).json()).toMatchObject({ "enable-sharing": false, "enable-report-subscription": true });
    const person = await signIn(fixture.emulator, { name: "p", email: "p@users.invalid", groups: ["g1"] });
    expect((await call("PUT", "/notes/settings", person.token, { toggledOn: true })).status).toBe(403);
    expect((await call("GET", `/users?filter=${encodeURIComponent('assignedGroups.id eq "x" or phone eq "1"')}`, admin)).status).toBe(400);
    const g1 = fixture.data.groupNamed("g1");
    const members = (await (await call("GET", `/users?filter=${encodeURIComponent(`assignedGroups.id eq "${g1.id}"`)}`, admin)).json()) as { data: Array<{ id: string; assignedGroups: Array<{ name: string }> }> };
    expect(members.data.map((u) => [u.id, u.assignedGroups.map((g) => g.name)])).toEqual([[person.id, ["g1"]]]);
    // A group's removal takes its members out of it.
    expect((await call("DELETE", `/groups/${g1.id}`, admin)).status).toBe(204);
    expect(fixture.data.users.get(person.id)!.groupIds).toEqual([]);
  });
});
