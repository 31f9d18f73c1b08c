/**
 * The vendored subset of Qlik's REST specification (qlik-cloud-subset.json, written by
 * scripts/vendor-qlik-specs.ts), read once, and what production takes from it: the rate-limit
 * tier of each operation, from the specification's `x-qlik-tier` rather than a hand-kept table.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { offSpecOperations, qlikOperations, specialTierOperations, type OffSpecOperationId, type QlikOperationId } from "../qlik-operations.ts";

/** Qlik's tiers 1 and 2, and its "special" tier of per-endpoint limits (POST /v1/reloads). */
export type Tier = "tier1" | "tier2" | "special";

const operationSchema = z.object({ "x-qlik-tier": z.object({ tier: z.string(), limit: z.number() }) }).passthrough();
const subsetSchema = z.object({
  "x-qoem-source": z.object({ file: z.string(), sha256: z.string(), vendoredOn: z.string() }),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  components: z.record(z.string(), z.record(z.string(), z.unknown())),
});
export type QlikSpecSubset = z.infer<typeof subsetSchema>;

let cached: QlikSpecSubset | undefined;

export function qlikSpec(): QlikSpecSubset {
  cached ??= subsetSchema.parse(JSON.parse(readFileSync(new URL("./qlik-cloud-subset.json", import.meta.url), "utf8")));
  return cached;
}

/** The specification's operation object for a method and path template, if the subset has it. */
export function specOperation(method: string, path: string): Record<string, unknown> | undefined {
  const op = qlikSpec().paths[path]?.[method.toLowerCase()];
  return op && typeof op === "object" ? (op as Record<string, unknown>) : undefined;
}

/**
 * The datacenters Qlik's tenant API creates tenants in. The specification lists them in the prose
 * of TenantCreationRequest.datacenter ("- `eu-west-1`: Ireland (eu)"), not as an enum.
 */
export function creatableDatacenters(): string[] {
  const schema = qlikSpec().components.schemas?.TenantCreationRequest;
  const text = z.object({ properties: z.object({ datacenter: z.object({ description: z.string() }) }) }).parse(schema).properties.datacenter.description;
  return [...text.matchAll(/^- `([a-z0-9-]+)`:/gm)].map((m) => m[1]!);
}

const tiers = new Map<string, Tier>();

/**
 * The tier an operation counts against, from the specification's x-qlik-tier. An operation in Qlik's
 * "special" tier is paced in the gate's special tier if it is one of specialTierOperations, and
 * refused here otherwise, so that using one is a decision (its limit may be lower than those paced).
 */
export function tierOf(id: QlikOperationId | OffSpecOperationId): Tier {
  const known = tiers.get(id);
  if (known) return known;
  let tier: Tier;
  if (id in offSpecOperations) tier = offSpecOperations[id as OffSpecOperationId].tier;
  else {
    const { method, path } = qlikOperations[id as QlikOperationId];
    const op = operationSchema.safeParse(specOperation(method, path));
    if (!op.success) throw new Error(`${id} (${method} ${path}) has no x-qlik-tier in the vendored specification; run scripts/vendor-qlik-specs.ts`);
    const t = op.data["x-qlik-tier"].tier;
    if (t === "special" && specialTierOperations.has(id as QlikOperationId)) tier = "special";
    else if (t === "1" || t === "2") tier = t === "1" ? "tier1" : "tier2";
    else throw new Error(`${id} is in Qlik's tier '${t}' (limit ${op.data["x-qlik-tier"].limit}/min), which the rate gate does not model`);
  }
  tiers.set(id, tier);
  return tier;
}

/** The per-minute limit the gate's special tier keeps to: the lowest the specification gives the operations paced in it. */
export function specialTierPerMinute(): number {
  const limits = [...specialTierOperations].map((id) => {
    const { method, path } = qlikOperations[id];
    const op = operationSchema.safeParse(specOperation(method, path));
    if (!op.success || op.data["x-qlik-tier"].tier !== "special") throw new Error(`${id} (${method} ${path}) is not in Qlik's special tier in the vendored specification`);
    return op.data["x-qlik-tier"].limit;
  });
  return Math.min(...limits);
}
