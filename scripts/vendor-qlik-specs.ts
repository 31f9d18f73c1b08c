/**
 * Cuts Qlik's published REST specification down to the operations qoem uses (the table in
 * adapters/qlik-cloud/qlik-operations.ts), carrying along every component they reference, and
 * writes it to adapters/qlik-cloud/spec/qlik-cloud-subset.json with a header naming the source
 * file and its SHA-256. Run by a person when the table or the specification changes:
 *   npx tsx scripts/vendor-qlik-specs.ts [path/to/qlik-cloud-rest.json]
 * (default ../shared/reference/specs/qlik-cloud-rest.json beside the repository). Tests read only
 * the vendored file, never the source.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { qlikOperations } from "../adapters/qlik-cloud/qlik-operations.ts";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const sourcePath = resolve(process.argv[2] ?? resolve(repo, "../shared/reference/specs/qlik-cloud-rest.json"));
const outPath = resolve(repo, "adapters/qlik-cloud/spec/qlik-cloud-subset.json");

const specSchema = z.object({
  info: z.object({ title: z.string() }).passthrough(),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  components: z.record(z.string(), z.record(z.string(), z.unknown())),
});

const text = readFileSync(sourcePath, "utf8");
const spec = specSchema.parse(JSON.parse(text));

/** Every `$ref` string inside a value. */
function refsIn(value: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") out.add(v);
      else refsIn(v, out);
    }
  }
  return out;
}

const paths: Record<string, Record<string, unknown>> = {};
const missing: string[] = [];
for (const [id, op] of Object.entries(qlikOperations)) {
  const method = op.method.toLowerCase();
  const operation = spec.paths[op.path]?.[method];
  if (!operation) {
    missing.push(`${id}: ${op.method} ${op.path}`);
    continue;
  }
  // Path-level parameters apply to every method of the path.
  const shared = spec.paths[op.path]?.parameters;
  paths[op.path] = { ...(paths[op.path] ?? {}), ...(shared ? { parameters: shared } : {}), [method]: operation };
}
if (missing.length) {
  process.stderr.write(`not in ${basename(sourcePath)}:\n  ${missing.join("\n  ")}\n`);
  process.exit(1);
}

// The transitive closure of the components the chosen operations reference.
const components: Record<string, Record<string, unknown>> = {};
const pending = [...refsIn(paths, new Set())];
const seen = new Set<string>();
while (pending.length) {
  const ref = pending.pop()!;
  if (seen.has(ref)) continue;
  seen.add(ref);
  const m = /^#\/components\/([^/]+)\/(.+)$/.exec(ref);
  if (!m) throw new Error(`unsupported $ref ${ref}`);
  const [, kind, name] = m as unknown as [string, string, string];
  const target = spec.components[kind]?.[name];
  if (target === undefined) throw new Error(`dangling $ref ${ref}`);
  (components[kind] ??= {})[name] = target;
  pending.push(...refsIn(target, new Set()));
}
const sorted = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

const subset = {
  "x-qoem-source": {
    file: basename(sourcePath),
    title: spec.info.title,
    sha256: createHash("sha256").update(text).digest("hex"),
    vendoredOn: new Date().toISOString().slice(0, 10),
    by: "scripts/vendor-qlik-specs.ts",
  },
  "x-qoem-operations": qlikOperations,
  paths: sorted(paths),
  components: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sorted(v)])),
};
writeFileSync(outPath, `${JSON.stringify(subset, null, 2)}\n`);
process.stdout.write(`${Object.keys(qlikOperations).length} operations, ${seen.size} components -> ${outPath}\n`);
