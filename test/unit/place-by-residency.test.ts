// Data residency decides where a customer goes: a region whose datacenter satisfies it, a site that stands there, or a reason.
import { describe, expect, it } from "vitest";
import { placeByResidency, targetSatisfies, type PlacementTable } from "../../src/core/place-by-residency.ts";
import { parseCommand } from "../../src/commands/parse-command.ts";

const table: PlacementTable = {
  options: [
    { target: { kind: "cloud", region: "us" }, country: "US" },
    { target: { kind: "cloud", region: "eu" }, country: "IE" },
    { target: { kind: "cloud", region: "de" }, country: "DE" },
    { target: { kind: "client-managed", site: "onprem-zrh" }, country: "CH" },
  ],
  overrides: { FR: { kind: "cloud", region: "de" } },
};

describe("placement by data residency", () => {
  it("maps a country to the region or site there, a group to its first member, an override first, and refuses the rest", () => {
    expect(placeByResidency("DE", table)).toMatchObject({ ok: true, target: { kind: "cloud", region: "de" } });
    expect(placeByResidency("eu", table)).toMatchObject({ ok: true, target: { kind: "cloud", region: "eu" } });
    expect(placeByResidency("CH", table)).toMatchObject({ ok: true, target: { kind: "client-managed", site: "onprem-zrh" } });
    expect(placeByResidency("FR", table)).toMatchObject({ ok: true, target: { kind: "cloud", region: "de" }, why: expect.stringMatching(/config places FR/) });
    expect(placeByResidency("BR", table)).toEqual({ ok: false, reason: expect.stringMatching(/no Qlik Cloud region and no site in BR/) });
    expect(placeByResidency("Germany", table)).toEqual({ ok: false, reason: expect.stringMatching(/not a residency/) });
  });

  it("checks a given target against a residency", () => {
    expect(targetSatisfies({ kind: "cloud", region: "de" }, "EU", table)).toBe(true);
    expect(targetSatisfies({ kind: "cloud", region: "us" }, "EU", table)).toBe(false);
    expect(targetSatisfies({ kind: "client-managed", site: "onprem-zrh" }, "EU", table)).toBe(false);
  });

  it("takes --residency in the command grammar, with or without a target", () => {
    const ctx = { sites: ["onprem-zrh"], placement: table };
    expect(parseCommand("onboard acme --residency ch", ctx)).toMatchObject({ ok: true, command: { target: { kind: "client-managed", site: "onprem-zrh" }, residency: "CH" } });
    expect(parseCommand("onboard acme de --residency EU", ctx)).toMatchObject({ ok: true, command: { target: { kind: "cloud", region: "de" }, residency: "EU" } });
    expect(parseCommand("onboard acme us --residency EU", ctx)).toMatchObject({ ok: false, error: { reason: expect.stringMatching(/does not keep data in EU/) } });
    expect(parseCommand("onboard acme --residency BR", ctx)).toMatchObject({ ok: false, error: { reason: expect.stringMatching(/no Qlik Cloud region and no site in BR/) } });
    expect(parseCommand("onboard acme", ctx)).toMatchObject({ ok: false, error: { reason: expect.stringMatching(/or --residency/) } });
  });
});
