/**
 * Cuts Qlik's published specifications down to the operations qoem uses, carrying along every
 * component they reference: Qlik Cloud REST (qlik-cloud-rest.json, the table in
 * adapters/qlik-cloud/qlik-operations.ts) into adapters/qlik-cloud/spec/qlik-cloud-subset.json,
 * QRS (qrs-repository.json, adapters/client-managed/qrs-operations.ts) into
 * adapters/client-managed/spec/qrs-subset.json, each with a header naming its source file and
 * SHA-256. Run by a person when a table or a specification changes:
 *   npx tsx scripts/vendor-qlik-specs.ts [path/to/qlik-cloud-rest.json]
 * (its folder holds both; default ../shared/reference/specs beside the repository). Tests read
 * only the vendored files, never the sources.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { qlikOperations } from "../adapters/qlik-cloud/qlik-operations.ts";
import { qrsOperations } from "../adapters/client-managed/qrs-operations.ts";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const specDir = process.argv[2] ? dirname(resolve(process.argv[2])) : resolve(repo, "../shared/reference/specs");

const specSchema = z.object({
  info: z.object({ title: z.string() }).passthrough(),
  basePath: z.string().optional(),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  components: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  definitions: z.record(z.string(), z.unknown()).optional(),
});
type Spec = z.infer<typeof specSchema>;

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

const sorted = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

/** The operations asked for, with every component (OpenAPI 3) or definition (Swagger 2) they reach. */
function cut(file: string, operations: ReadonlyArray<{ method: string; path: string }>, extra: Record<string, unknown>) {
  const sourcePath = resolve(specDir, file);
  const text = readFileSync(sourcePath, "utf8");
  const spec: Spec = specSchema.parse(JSON.parse(text));
  const paths: Record<string, Record<string, unknown>> = {};
  const missing: string[] = [];
  for (const op of operations) {
    const method = op.method.toLowerCase();
    const operation = spec.paths[op.path]?.[method];
    if (!operation) {
      missing.push(`${op.method} ${op.path}`);
      continue;
    }
    // Path-level parameters apply to every method of the path.
    const shared = spec.paths[op.path]?.parameters;
    paths[op.path] = { ...(paths[op.path] ?? {}), ...(shared ? { parameters: shared } : {}), [method]: operation };
  }
  if (missing.length) throw new Error(`not in ${file}:\n  ${missing.join("\n  ")}`);
  const components: Record<string, Record<string, unknown>> = {};
  const definitions: Record<string, unknown> = {};
  const pending = [...refsIn(paths, new Set())];
  const seen = new Set<string>();
  while (pending.length) {
    const ref = pending.pop()!;
    if (seen.has(ref)) continue;
    seen.add(ref);
    let target: unknown;
    const component = /^#\/components\/([^/]+)\/(.+)$/.exec(ref);
    const definition = /^#\/definitions\/(.+)$/.exec(ref);
    if (component) {
      const [, kind, name] = component as unknown as [string, string, string];
      target = spec.components?.[kind]?.[name];
      if (target !== undefined) (components[kind] ??= {})[name] = target;
    } else if (definition) {
      target = spec.definitions?.[definition[1]!];
      if (target !== undefined) definitions[definition[1]!] = target;
    } else throw new Error(`unsupported $ref ${ref}`);
    if (target === undefined) throw new Error(`dangling $ref ${ref}`);
    pending.push(...refsIn(target, new Set()));
  }
  return {
    "x-qoem-source": {
      file,
      title: spec.info.title,
      sha256: createHash("sha256").update(text).digest("hex"),
      vendoredOn: new Date().toISOString().slice(0, 10),
      by: "scripts/vendor-qlik-specs.ts",
    },
    ...extra,
    ...(spec.basePath ? { basePath: spec.basePath } : {}),
    paths: sorted(paths),
    ...(spec.components ? { components: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sorted(v)])) } : {}),
    ...(spec.definitions ? { definitions: sorted(definitions) } : {}),
  };
}

const outputs = [
  { file: "qlik-cloud-rest.json", out: "adapters/qlik-cloud/spec/qlik-cloud-subset.json", operations: Object.values(qlikOperations), extra: { "x-qoem-operations": qlikOperations } },
  { file: "qrs-repository.json", out: "adapters/client-managed/spec/qrs-subset.json", operations: qrsOperations, extra: {} },
];
for (const { file, out, operations, extra } of outputs) {
  const subset = cut(file, operations, extra);
  writeFileSync(resolve(repo, out), `${JSON.stringify(subset, null, 2)}\n`);
  process.stdout.write(`${file}: ${operations.length} operations -> ${out}\n`);
}
