/**
 * The subset of SCIM filters that Qlik's organisation tenant listing accepts:
 * `attr eq "v"`, `attr ne "v"`, joined by `and` / `or`, negated by `not`, grouped by parentheses.
 * Which operator each attribute allows is the caller's rule table.
 */
export type ScimNode =
  | { type: "cmp"; attr: string; op: "eq" | "ne"; value: string }
  | { type: "and" | "or"; left: ScimNode; right: ScimNode }
  | { type: "not"; inner: ScimNode };

export class ScimSyntaxError extends Error {}

type Token = { kind: "word" | "string" | "lparen" | "rparen"; text: string };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(") {
      tokens.push({ kind: "lparen", text: c });
      i++;
    } else if (c === ")") {
      tokens.push({ kind: "rparen", text: c });
      i++;
    } else if (c === '"') {
      let value = "";
      i++;
      while (i < input.length && input[i] !== '"') {
        if (input[i] === "\\" && i + 1 < input.length) i++;
        value += input[i];
        i++;
      }
      if (i >= input.length) throw new ScimSyntaxError("unterminated string in filter");
      i++;
      tokens.push({ kind: "string", text: value });
    } else {
      const m = /^[A-Za-z][A-Za-z0-9_.]*/.exec(input.slice(i));
      if (!m) throw new ScimSyntaxError(`unexpected character '${c}' in filter`);
      tokens.push({ kind: "word", text: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

export function parseScimFilter(input: string): ScimNode {
  const tokens = tokenize(input);
  let pos = 0;
  const peekWord = () => (tokens[pos]?.kind === "word" ? tokens[pos]!.text.toLowerCase() : undefined);

  const parseOr = (): ScimNode => {
    let left = parseAnd();
    while (peekWord() === "or") {
      pos++;
      left = { type: "or", left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): ScimNode => {
    let left = parseUnary();
    while (peekWord() === "and") {
      pos++;
      left = { type: "and", left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): ScimNode => {
    if (peekWord() === "not") {
      pos++;
      return { type: "not", inner: parseUnary() };
    }
    const token = tokens[pos];
    if (token?.kind === "lparen") {
      pos++;
      const inner = parseOr();
      if (tokens[pos]?.kind !== "rparen") throw new ScimSyntaxError("missing ')' in filter");
      pos++;
      return inner;
    }
    if (token?.kind !== "word") throw new ScimSyntaxError("expected an attribute name in filter");
    pos++;
    const op = tokens[pos];
    if (op?.kind !== "word" || !["eq", "ne"].includes(op.text.toLowerCase())) {
      throw new ScimSyntaxError(`expected 'eq' or 'ne' after '${token.text}'`);
    }
    pos++;
    const value = tokens[pos];
    if (value?.kind !== "string") throw new ScimSyntaxError(`expected a quoted value after '${token.text} ${op.text}'`);
    pos++;
    return { type: "cmp", attr: token.text, op: op.text.toLowerCase() as "eq" | "ne", value: value.text };
  };

  const node = parseOr();
  if (pos !== tokens.length) throw new ScimSyntaxError(`unexpected '${tokens[pos]!.text}' in filter`);
  return node;
}

export function scimAttributes(node: ScimNode, out: Array<{ attr: string; op: string; value: string }> = []) {
  if (node.type === "cmp") out.push({ attr: node.attr, op: node.op, value: node.value });
  else if (node.type === "not") scimAttributes(node.inner, out);
  else {
    scimAttributes(node.left, out);
    scimAttributes(node.right, out);
  }
  return out;
}

export function scimMatches(node: ScimNode, read: (attr: string) => string | string[] | undefined): boolean {
  switch (node.type) {
    case "cmp": {
      const v = read(node.attr);
      const equal = Array.isArray(v) ? v.includes(node.value) : v === node.value;
      return node.op === "eq" ? equal : !equal;
    }
    case "not":
      return !scimMatches(node.inner, read);
    case "and":
      return scimMatches(node.left, read) && scimMatches(node.right, read);
    case "or":
      return scimMatches(node.left, read) || scimMatches(node.right, read);
  }
}
