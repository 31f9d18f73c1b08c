// The tenant step's organisation lookups, coalesced: few listing calls, each asker its own answer, failures kept to their own call.
import { describe, expect, it, vi } from "vitest";
import { QoemError, transient } from "../../adapters/port.ts";
import { OrgLookupBatch } from "../../adapters/qlik-cloud/org-lookup-batch.ts";
import { OrgRequestRefused, type OrgTenant } from "../../adapters/qlik-cloud/org-tenants.ts";

const tenant = (id: string, name: string, hostnames: string[], status = "active"): OrgTenant => ({ id, name, hostnames, status });
const lookup = (name: string, region = "eu") => ({ name, hostname: `${name}.${region}.qlikcloud.com` });
const clauseCount = (filter: string) => filter.split(" or ").length / 2;

/** A listing whose every call waits until the test answers it. */
function heldListing() {
  const calls: Array<{ filter: string; answer(tenants: OrgTenant[]): void; fail(error: unknown): void }> = [];
  const list = (filter: string) =>
    new Promise<OrgTenant[]>((resolve, reject) => {
      calls.push({ filter, answer: resolve, fail: reject });
    });
  return { calls, list };
}

describe("OrgLookupBatch", () => {
  it("answers questions asked together with one call, each asker only the tenants that match its name or hostname", async () => {
    const tenants = [tenant("t1", "acme", ["abc123.eu.qlikcloud.com"]), tenant("t2", "x9y8", ["x9y8.eu.qlikcloud.com", "beta.eu.qlikcloud.com"]), tenant("t3", "Gamma", ["g.us.qlikcloud.com"], "deleted")];
    const filters: string[] = [];
    const batch = new OrgLookupBatch(async (filter) => {
      filters.push(filter);
      return tenants;
    });
    const [acme, beta, gamma, delta] = await Promise.all([batch.find(lookup("acme")), batch.find(lookup("beta")), batch.find(lookup("gamma")), batch.find(lookup("delta"))]);
    expect(filters).toEqual(['name eq "acme" or hostnames eq "acme.eu.qlikcloud.com" or name eq "beta" or hostnames eq "beta.eu.qlikcloud.com" or name eq "gamma" or hostnames eq "gamma.eu.qlikcloud.com" or name eq "delta" or hostnames eq "delta.eu.qlikcloud.com"']);
    expect(acme!.map((t) => t.id)).toEqual(["t1"]);
    // By its hostname alias, whatever the tenant's name.
    expect(beta!.map((t) => t.id)).toEqual(["t2"]);
    // Any status, and names compared as Qlik may (case aside): the step decides what counts.
    expect(gamma!.map((t) => t.id)).toEqual(["t3"]);
    expect(delta).toEqual([]);
    expect(batch.calls).toBe(1);
  });

  it("gathers the questions asked while a call is out into the next call, never into one already sent", async () => {
    const listing = heldListing();
    const batch = new OrgLookupBatch(listing.list, { gatherMs: 0 });
    const first = batch.find(lookup("one"));
    await vi.waitFor(() => expect(listing.calls).toHaveLength(1));
    const later = [batch.find(lookup("two")), batch.find(lookup("three")), batch.find(lookup("four"))];
    // Asked while the first call was out: that call's answer (older than these questions) answers none of them.
    listing.calls[0]!.answer([]);
    expect(await first).toEqual([]);
    await vi.waitFor(() => expect(listing.calls).toHaveLength(2));
    expect(clauseCount(listing.calls[1]!.filter)).toBe(3);
    expect(listing.calls[1]!.filter).not.toContain('"one"');
    listing.calls[1]!.answer([tenant("t2", "two", ["q.eu.qlikcloud.com"])]);
    const [two, three] = await Promise.all(later);
    expect(two!.map((t) => t.id)).toEqual(["t2"]);
    expect(three).toEqual([]);
  });

  it("splits at the cap on customers per call and at the cap on filter length", async () => {
    const byCount: string[] = [];
    const counted = new OrgLookupBatch(async (filter) => (byCount.push(filter), []), { maxPerCall: 3 });
    await Promise.all(Array.from({ length: 7 }, (_, i) => counted.find(lookup(`c${i}`))));
    expect(byCount.map(clauseCount)).toEqual([3, 3, 1]);
    // Oldest first: the first call asks about the first three.
    expect(byCount[0]).toContain('name eq "c0"');
    expect(byCount[0]).toContain('name eq "c2"');

    const byLength: string[] = [];
    const clause = 'name eq "c0" or hostnames eq "c0.eu.qlikcloud.com"'.length;
    const measured = new OrgLookupBatch(async (filter) => (byLength.push(filter), []), { maxFilterChars: 2 * clause + 4 });
    await Promise.all(Array.from({ length: 5 }, (_, i) => measured.find(lookup(`c${i}`))));
    expect(byLength.map(clauseCount)).toEqual([2, 2, 1]);
    expect(Math.max(...byLength.map((f) => f.length))).toBeLessThanOrEqual(2 * clause + 4);
  });

  it("fails every asker of a failed call with a clear error of the same kind, and no asker of the next call", async () => {
    const listing = heldListing();
    const batch = new OrgLookupBatch(listing.list, { gatherMs: 0 });
    const failing = [batch.find(lookup("red")), batch.find(lookup("green"))].map((p) => p.catch((e: unknown) => e));
    await vi.waitFor(() => expect(listing.calls).toHaveLength(1));
    const next = batch.find(lookup("blue"));
    listing.calls[0]!.fail(new QoemError("rate_limited", "listing tenants: Qlik's rate limit was reached", { retryAfterMs: 4_000 }));
    const [red, green] = await Promise.all(failing);
    for (const [error, name] of [[red, "red"], [green, "green"]] as const) {
      expect(error).toBeInstanceOf(QoemError);
      expect(error).toMatchObject({ code: "rate_limited", retryable: true, retryAfterMs: 4_000 });
      expect((error as Error).message).toBe(`looking up the tenant named '${name}' in the organisation listing (one listing call for 2 customers): listing tenants: Qlik's rate limit was reached`);
    }
    await vi.waitFor(() => expect(listing.calls).toHaveLength(2));
    listing.calls[1]!.answer([tenant("t9", "blue", [])]);
    expect((await next).map((t) => t.id)).toEqual(["t9"]);

    const down = new OrgLookupBatch(async () => {
      throw transient("listing tenants: Qlik answered 503");
    });
    await expect(down.find(lookup("solo"))).rejects.toMatchObject({ code: "transient", message: "looking up the tenant named 'solo' in the organisation listing (one listing call): listing tenants: Qlik answered 503" });
  });

  it("keeps one asker's bad name from failing the others: a filter Qlik refuses is split until only the bad question fails", async () => {
    const filters: string[] = [];
    const batch = new OrgLookupBatch(async (filter) => {
      filters.push(filter);
      if (filter.includes("\u0000")) throw new OrgRequestRefused(400, "listing tenants: Qlik rejected the request (HTTP 400) Invalid filter");
      return [tenant("ok", "fine-3", [])];
    });
    const names = ["fine-1", "fine-2", "bad\u0000name", "fine-3", "fine-4"];
    const answers = await Promise.all(names.map((n) => batch.find(lookup(n)).then((t) => t.map((x) => x.id), (e: unknown) => e)));
    expect(answers[0]).toEqual([]);
    expect(answers[1]).toEqual([]);
    expect(answers[3]).toEqual(["ok"]);
    expect(answers[4]).toEqual([]);
    expect(answers[2]).toMatchObject({ code: "permanent", message: expect.stringMatching(/^looking up the tenant named 'bad\u0000name' in the organisation listing \(one listing call\): .*HTTP 400/) });
    // 5 → 3 + 2 → (2 + 1) + 2 → (1 + 1): never one call per name.
    expect(filters.length).toBeLessThan(2 * names.length);
    // A refusal that is not about the filter (no permission) is not split: every asker hears it once.
    const refusedCalls: string[] = [];
    const forbidden = new OrgLookupBatch(async (filter) => {
      refusedCalls.push(filter);
      throw new OrgRequestRefused(403, "listing tenants: Qlik rejected the request (HTTP 403)");
    });
    const both = await Promise.all([forbidden.find(lookup("p")), forbidden.find(lookup("q"))].map((p) => p.catch((e: unknown) => e)));
    expect(both.map((e) => (e as QoemError).code)).toEqual(["permanent", "permanent"]);
    expect(refusedCalls).toHaveLength(1);
  });

  it("refuses a question it cannot send, alone, before any call", async () => {
    const filters: string[] = [];
    const batch = new OrgLookupBatch(async (filter) => (filters.push(filter), []), { maxFilterChars: 200 });
    const results = await Promise.all([batch.find({ name: "", hostname: "x.eu.qlikcloud.com" }), batch.find(lookup("n".repeat(150))), batch.find(lookup("fine"))].map((p) => p.catch((e: unknown) => e)));
    expect(results[0]).toMatchObject({ code: "permanent", message: expect.stringContaining("needs a name and a hostname") });
    expect(results[1]).toMatchObject({ code: "permanent", message: expect.stringContaining("more than the 200 a listing call sends") });
    expect(results[2]).toEqual([]);
    expect(filters).toEqual(['name eq "fine" or hostnames eq "fine.eu.qlikcloud.com"']);
  });
});
