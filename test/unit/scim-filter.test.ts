// The emulator's SCIM filters: the compiled predicate (sets for long `or` chains) answers exactly as the tree does.
import { describe, expect, it } from "vitest";
import { compileScimFilter, parseScimFilter, scimAttributes, scimMatches, ScimSyntaxError } from "../../adapters/qlik-cloud/emulator/scim-filter.ts";

type Rec = Record<string, string | string[] | undefined>;
const records: Rec[] = [
  { name: "acme", hostnames: ["x1.eu.qlikcloud.com", "acme.eu.qlikcloud.com"], status: "active", regionCode: "eu-west-1" },
  { name: "beta", hostnames: ["b2.us.qlikcloud.com"], status: "disabled", regionCode: "us-east-1" },
  { name: "gamma", hostnames: [], status: "deleted", regionCode: "eu-west-1" },
  { name: "delta", hostnames: ["delta.de.qlikcloud.com"], status: "active" },
  { name: "Acme", hostnames: ["z.eu.qlikcloud.com"], status: "active", regionCode: "eu-west-1" },
];

const filters = [
  'name eq "acme"',
  'name eq "acme" or hostnames eq "b2.us.qlikcloud.com" or name eq "nobody"',
  'name eq "acme" or status ne "active"',
  'regionCode eq "eu-west-1" and (name eq "gamma" or name eq "acme")',
  'name eq "delta" or (status eq "active" and regionCode eq "eu-west-1") or hostnames eq "none"',
  'not (name eq "acme" or name eq "beta") and status eq "active"',
  'regionCode eq "eu-west-1" or regionCode eq "us-east-1"',
  'regionCode ne "eu-west-1" or name eq "acme"',
  Array.from({ length: 500 }, (_, i) => `name eq "n${i}" or hostnames eq "n${i}.eu.qlikcloud.com"`).join(" or ") + ' or name eq "gamma"',
];

describe("emulator SCIM filters", () => {
  it("answers every record the same compiled as walked, long `or` chains and mixed ones included", () => {
    for (const filter of filters) {
      const node = parseScimFilter(filter);
      const compiled = compileScimFilter(node);
      for (const rec of records) {
        const read = (attr: string) => rec[attr];
        expect(compiled(read), `${filter.slice(0, 80)} on ${String(rec.name)}`).toBe(scimMatches(node, read));
      }
    }
    const chain = compileScimFilter(parseScimFilter(filters[8]!));
    expect(records.filter((r) => chain((a) => r[a])).map((r) => r.name)).toEqual(["gamma"]);
    // Names are compared exactly, as an `eq` on a case-exact attribute.
    const exact = compileScimFilter(parseScimFilter('name eq "acme"'));
    expect(records.filter((r) => exact((a) => r[a])).map((r) => r.name)).toEqual(["acme"]);
  });

  it("lists every comparison of a chain of thousands, and refuses `not` without parentheses", () => {
    const long = Array.from({ length: 5_000 }, (_, i) => `name eq "n${i}"`).join(" or ");
    const used = scimAttributes(parseScimFilter(long));
    expect(used).toHaveLength(5_000);
    expect(used[0]).toEqual({ attr: "name", op: "eq", value: "n0" });
    expect(used[4_999]).toEqual({ attr: "name", op: "eq", value: "n4999" });
    expect(() => parseScimFilter('not name eq "acme"')).toThrow(ScimSyntaxError);
    expect(() => parseScimFilter('not name eq "acme"')).toThrow("expected '(' after 'not' in filter");
    expect(scimAttributes(parseScimFilter('NOT (name eq "acme")'))).toEqual([{ attr: "name", op: "eq", value: "acme" }]);
  });
});
