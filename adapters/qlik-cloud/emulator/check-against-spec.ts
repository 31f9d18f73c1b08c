/**
 * Holds the emulator to Qlik's own contract: every request to an operation of the vendored
 * specification subset is checked (path parameters, query, required headers, JSON body: types,
 * enums, limits, required fields) and refused as Qlik would; in test mode every answer is checked
 * against the response schema documented for its status. Built once per process with ajv.
 */
import type { IncomingHttpHeaders } from "node:http";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import ajvFormats from "ajv-formats";
import { qlikOperations, type QlikOperationId } from "../qlik-operations.ts";
import { qlikSpec, specOperation } from "../spec/read-qlik-spec.ts";

const DOC = "qlik";

type Json = unknown;
interface Parameter {
  in: string;
  name: string;
  required?: boolean;
  schema?: Json;
}
interface MediaMap {
  [type: string]: { schema?: Json } | undefined;
}
interface Operation {
  parameters?: Array<Parameter | { $ref: string }>;
  requestBody?: { required?: boolean; content?: MediaMap };
  responses?: Record<string, { content?: MediaMap } | { $ref: string }>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Two idioms of Qlik's specification that JSON Schema reads otherwise: string enums written as
 * `oneOf: [{title, x-qlik-const}]` (branches every value matches, so `oneOf` would refuse
 * everything) are read as `enum` of the titles; a discriminated `oneOf` as `anyOf`.
 */
function normalise(value: Json): Json {
  if (Array.isArray(value)) return value.map(normalise);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = normalise(v);
  // A discriminated oneOf whose branches are allOf compositions (ajv's discriminator cannot read
  // them): each branch pins the discriminator's value, so anyOf picks the same one branch.
  if (isObject(out.discriminator) && Array.isArray(out.oneOf)) {
    out.anyOf = out.oneOf;
    delete out.oneOf;
    delete out.discriminator;
  }
  const branches = out.oneOf;
  if (Array.isArray(branches) && branches.length && branches.every((b) => isObject(b) && typeof b.title === "string" && "x-qlik-const" in b && !("type" in b) && !("$ref" in b))) {
    delete out.oneOf;
    out.enum = branches.map((b) => (b as { title: string }).title);
  }
  return out;
}

const metaEntry = { type: "object", properties: { code: { type: "string" }, title: { type: "string" } } };
/** Where @qlik/api 2.19 (newer than the vendored specification) types a shape more widely, the package wins. */
export const newerThanSpec = [
  {
    at: ["components", "schemas", "TenantPatchErrors", "properties", "errors", "items", "properties", "meta"],
    schema: { anyOf: [metaEntry, { type: "array", items: metaEntry }] },
    why: "the specification has one {code,title} in a tenant patch error's meta; @qlik/api 2.19 types it as one or many",
  },
  {
    at: ["components", "schemas", "SharingSettingsPatchCompliant", "properties", "value"],
    schema: {},
    why: "the specification types a sharing settings patch's value as an object while its own example (and the toggles it patches) are booleans; @qlik/api 2.19 types it as unknown",
  },
  {
    at: ["components", "schemas", "ReloadRequest", "properties", "variables"],
    schema: { type: "object", maxProperties: 20, propertyNames: { minLength: 1, maxLength: 256 }, additionalProperties: { type: "string", maxLength: 256 } },
    why: "the specification's ReloadRequest has no variables; @qlik/api 2.19 types them: at most 20, each name and value up to 256 characters",
  },
];

function applyNewerThanSpec(doc: Record<string, unknown>): void {
  for (const { at, schema } of newerThanSpec) {
    const parent = at.slice(0, -1).reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), doc);
    if (isObject(parent)) parent[at.at(-1)!] = schema;
  }
}

/** `#/components/...` inside a schema taken out of the document points back into the document. */
function rebase(value: Json): Json {
  if (Array.isArray(value)) return value.map(rebase);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === "$ref" && typeof v === "string" && v.startsWith("#/") ? `${DOC}${v}` : rebase(v)]));
}

function resolve<T>(doc: Record<string, unknown>, value: T | { $ref: string }): T {
  if (!isObject(value) || typeof value.$ref !== "string") return value as T;
  let node: unknown = doc;
  for (const part of value.$ref.replace(/^#\//, "").split("/")) node = isObject(node) ? node[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
  return node as T;
}

function makeAjv(doc: Record<string, unknown>, coerce: boolean): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, unicodeRegExp: false, coerceTypes: coerce ? "array" : false });
  ajvFormats.default(ajv);
  // Qlik's own formats, and `date` as Qlik uses it: its Tenant.created is a full timestamp.
  for (const name of ["uid", "bearer", "binary"]) ajv.addFormat(name, true);
  ajv.addFormat("url", (s: string) => URL.canParse(s));
  ajv.addFormat("date", (s: string) => !Number.isNaN(Date.parse(s)));
  ajv.addSchema(doc, DOC);
  return ajv;
}

const describe = (errors: ErrorObject[] | null | undefined, where: string) =>
  (errors ?? [])
    .slice(0, 3)
    .map((e) => `${where}${e.instancePath || ""} ${e.message ?? "is invalid"}${e.params && "allowedValues" in e.params ? ` (${(e.params.allowedValues as unknown[]).join(", ")})` : ""}`)
    .join("; ");

export interface RequestParts {
  pathParams: string[];
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, when the request carried one. */
  body: unknown;
  isJson: boolean;
}

export class SpecChecker {
  private readonly doc: Record<string, unknown>;
  private readonly plain: Ajv;
  private readonly coercing: Ajv;
  private readonly cache = new Map<string, ValidateFunction | null>();

  constructor() {
    this.doc = normalise(qlikSpec()) as Record<string, unknown>;
    applyNewerThanSpec(this.doc);
    this.plain = makeAjv(this.doc, false);
    this.coercing = makeAjv(this.doc, true);
  }

  private operation(id: QlikOperationId): Operation {
    const { method, path } = qlikOperations[id];
    if (!specOperation(method, path)) throw new Error(`${id} is not in the vendored specification`);
    const paths = this.doc.paths as Record<string, Record<string, Operation>>;
    return paths[path]![method.toLowerCase()]!;
  }

  private compiled(key: string, ajv: Ajv, schema: Json | undefined): ValidateFunction | null {
    if (!this.cache.has(key)) this.cache.set(key, schema === undefined ? null : ajv.compile(rebase(schema) as object));
    return this.cache.get(key)!;
  }

  /** Why Qlik would refuse this request (a 400), or undefined when the specification allows it. */
  checkRequest(id: QlikOperationId, parts: RequestParts): string | undefined {
    const op = this.operation(id);
    const params = (op.parameters ?? []).map((p) => resolve<Parameter>(this.doc, p));
    const problems: string[] = [];
    const pathNames = [...qlikOperations[id].path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    for (const location of ["path", "query", "header"] as const) {
      const declared = params.filter((p) => p.in === location);
      if (!declared.length) continue;
      const values: Record<string, unknown> = {};
      for (const p of declared) {
        if (location === "path") {
          const at = pathNames.indexOf(p.name);
          if (at >= 0 && parts.pathParams[at] !== undefined) values[p.name] = parts.pathParams[at];
        } else if (location === "query") {
          const all = parts.query.getAll(p.name);
          if (all.length) values[p.name] = all.length === 1 ? all[0] : all;
        } else {
          const h = parts.headers[p.name.toLowerCase()];
          if (h !== undefined) values[p.name] = Array.isArray(h) ? h[0] : h;
        }
      }
      const schema = { type: "object", properties: Object.fromEntries(declared.map((p) => [p.name, p.schema ?? {}])), required: declared.filter((p) => p.required).map((p) => p.name) };
      const validate = this.compiled(`${id}|${location}`, this.coercing, schema);
      if (validate && !validate(values)) problems.push(describe(validate.errors, location));
    }
    const body = op.requestBody;
    const media = body?.content?.["application/json"] ?? body?.content?.["*/*"];
    if (media?.schema !== undefined && (parts.isJson || parts.body !== undefined)) {
      if (parts.body === undefined) {
        if (body?.required) problems.push("body is required");
      } else {
        const validate = this.compiled(`${id}|body`, this.plain, media.schema);
        if (validate && !validate(parts.body)) problems.push(describe(validate.errors, "body"));
      }
    } else if (body?.required && body.content?.["application/json"] && parts.body === undefined && !parts.isJson) {
      problems.push("a JSON body is required");
    }
    return problems.length ? problems.join("; ") : undefined;
  }

  /**
   * How an answer departs from the specification: `violation` when its body does not match the
   * schema documented for its status, `undocumented` when the operation documents neither that
   * status nor a default (a gap in the specification or a guess in the emulator, to be noted).
   */
  checkAnswer(id: QlikOperationId, status: number, body: unknown): { violation?: string; undocumented?: string } {
    const op = this.operation(id);
    const responses = op.responses ?? {};
    const documented = responses[String(status)] ?? responses.default;
    if (!documented) return { undocumented: `${id} documents no ${status} answer (documented: ${Object.keys(responses).join(", ")})` };
    const response = resolve<{ content?: MediaMap }>(this.doc, documented);
    const media = response.content?.["application/json"] ?? response.content?.["*/*"];
    if (media?.schema === undefined || body === undefined) return {};
    const validate = this.compiled(`${id}|${status in responses ? status : "default"}`, this.plain, media.schema);
    if (validate && !validate(body)) return { violation: `${id} ${status}: ${describe(validate.errors, "answer")}` };
    return {};
  }
}

let shared: SpecChecker | undefined;
/** One checker per process: compiling the schemas is the slow part. */
export const specChecker = (): SpecChecker => (shared ??= new SpecChecker());
