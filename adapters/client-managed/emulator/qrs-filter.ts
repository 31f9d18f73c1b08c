/**
 * The QRS filter language as far as qoem uses it: `<path> <op> <value>` joined by `and`/`or`,
 * ops eq ne sw ew so, string values in single quotes (doubled quote inside), GUIDs, booleans
 * and numbers bare; dotted paths walk into relations and arrays (`customProperties.value`).
 * String comparisons ignore case, as QRS does.
 */
export class QrsFilterError extends Error {}

type Cmp = { path: string[]; op: string; value: string | number | boolean | null };
type Node = { type: "cmp"; cmp: Cmp } | { type: "and" | "or"; left: Node; right: Node };

function tokenize(input: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c === " ") i++;
    else if (c === "(" || c === ")") tokens.push(input[i++]!);
    else if (c === "'") {
      let v = "";
      i++;
      for (;;) {
        if (i >= input.length) throw new QrsFilterError("unterminated string");
        if (input[i] === "'" && input[i + 1] === "'") {
          v += "'";
          i += 2;
        } else if (input[i] === "'") {
          i++;
          break;
        } else v += input[i++];
      }
      tokens.push(`'${v}`);
    } else {
      const m = /^[^\s()']+/.exec(input.slice(i))!;
      tokens.push(m[0]);
      i += m[0].length;
    }
  }
  return tokens;
}

export function parseQrsFilter(input: string): Node {
  const tokens = tokenize(input);
  let pos = 0;
  const word = () => tokens[pos]?.toLowerCase();
  const or = (): Node => {
    let left = and();
    while (word() === "or") {
      pos++;
      left = { type: "or", left, right: and() };
    }
    return left;
  };
  const and = (): Node => {
    let left = unit();
    while (word() === "and") {
      pos++;
      left = { type: "and", left, right: unit() };
    }
    return left;
  };
  const unit = (): Node => {
    if (tokens[pos] === "(") {
      pos++;
      const inner = or();
      if (tokens[pos] !== ")") throw new QrsFilterError("missing )");
      pos++;
      return inner;
    }
    const path = tokens[pos++];
    const op = tokens[pos++]?.toLowerCase();
    const raw = tokens[pos++];
    if (!path || !op || raw === undefined) throw new QrsFilterError("incomplete comparison");
    if (!["eq", "ne", "sw", "ew", "so"].includes(op)) throw new QrsFilterError(`unknown operator ${op}`);
    let value: Cmp["value"];
    if (raw.startsWith("'")) value = raw.slice(1);
    else if (raw === "true" || raw === "false") value = raw === "true";
    else if (raw === "null") value = null;
    else if (/^-?\d+(\.\d+)?$/.test(raw)) value = Number(raw);
    else if (/^[0-9a-f-]{36}$/i.test(raw)) value = raw;
    else throw new QrsFilterError(`unquoted value ${raw}`);
    return { type: "cmp", cmp: { path: path.split("."), op, value } };
  };
  const node = or();
  if (pos !== tokens.length) throw new QrsFilterError(`unexpected ${tokens[pos]}`);
  return node;
}

function values(obj: unknown, path: string[]): unknown[] {
  if (path.length === 0) return [obj];
  if (Array.isArray(obj)) return obj.flatMap((o) => values(o, path));
  if (obj === null || typeof obj !== "object") return [];
  const key = Object.keys(obj).find((k) => k.toLowerCase() === path[0]!.toLowerCase());
  return key === undefined ? [] : values((obj as Record<string, unknown>)[key], path.slice(1));
}

function compare(actual: unknown, op: string, expected: Cmp["value"]): boolean {
  if (typeof expected === "string" && typeof actual === "string") {
    const a = actual.toLowerCase();
    const e = expected.toLowerCase();
    return op === "eq" ? a === e : op === "ne" ? a !== e : op === "sw" ? a.startsWith(e) : op === "ew" ? a.endsWith(e) : a.includes(e);
  }
  return op === "ne" ? actual !== expected : op === "eq" ? actual === expected : false;
}

export function qrsMatches(node: Node, entity: unknown): boolean {
  if (node.type === "and") return qrsMatches(node.left, entity) && qrsMatches(node.right, entity);
  if (node.type === "or") return qrsMatches(node.left, entity) || qrsMatches(node.right, entity);
  const { path, op, value } = (node as { cmp: Cmp }).cmp;
  const found = values(entity, path);
  if (op === "ne") return found.every((v) => compare(v, "ne", value));
  return found.some((v) => compare(v, op, value));
}
