/**
 * The subset of SCIM filters that Qlik's organisation tenant listing accepts:
 * `attr eq "v"`, `attr ne "v"`, joined by `and` / `or`, negated by `not (...)`, grouped by parentheses.
 * Which operator each attribute allows is the caller's rule table.
 */
export type ScimNode =
  | { type: "cmp"; attr: string; op: "eq" | "ne"; value: string }
  | { type: "and" | "or"; left: ScimNode; right: ScimNode }
  | { type: "not"; inner: ScimNode };

export class ScimSyntaxError extends Error {}

type Token = { kind: "word" | "string" | "lparen" | "rparen"; text: string };

const word = /[A-Za-z][A-Za-z0-9_.]*/y;

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
      // Sticky: matched where the scan stands, without copying the rest of a long filter for each word.
      word.lastIndex = i;
      const m = word.exec(input);
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
      // RFC 7644 section 3.4.2.2: "not" "(" FILTER ")": the negated filter is always in parentheses.
      pos++;
      if (tokens[pos]?.kind !== "lparen") throw new ScimSyntaxError("expected '(' after 'not' in filter");
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

/** Every comparison of the filter, in order (walked with a stack: a long `or` chain nests deep). */
export function scimAttributes(node: ScimNode): Array<{ attr: string; op: string; value: string }> {
  const out: Array<{ attr: string; op: string; value: string }> = [];
  const stack: ScimNode[] = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === "cmp") out.push({ attr: n.attr, op: n.op, value: n.value });
    else if (n.type === "not") stack.push(n.inner);
    else stack.push(n.right, n.left);
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

/**
 * The filter as a predicate for many records: an `or` of `eq` comparisons (a batch of lookups,
 * `name eq "a" or hostnames eq "a.eu..." or name eq "b" ...`) is answered from one set per
 * attribute, so a record costs the same whether the filter names one value or hundreds.
 */
export function compileScimFilter(node: ScimNode): (read: (attr: string) => string | string[] | undefined) => boolean {
  if (node.type === "cmp" || node.type === "not" || node.type === "and") {
    if (node.type !== "and") return (read) => scimMatches(node, read);
    const left = compileScimFilter(node.left);
    const right = compileScimFilter(node.right);
    return (read) => left(read) && right(read);
  }
  const equals = new Map<string, Set<string>>();
  const others: Array<(read: (attr: string) => string | string[] | undefined) => boolean> = [];
  // The parser nests a chain of `or`s to the left; walked with a stack, however long the chain.
  const stack: ScimNode[] = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === "or") stack.push(n.right, n.left);
    else if (n.type === "cmp" && n.op === "eq") {
      const values = equals.get(n.attr) ?? new Set<string>();
      values.add(n.value);
      equals.set(n.attr, values);
    } else others.push(compileScimFilter(n));
  }
  const sets = [...equals];
  return (read) => {
    for (const [attr, values] of sets) {
      const v = read(attr);
      if (Array.isArray(v) ? v.some((x) => values.has(x)) : v !== undefined && values.has(v)) return true;
    }
    return others.some((test) => test(read));
  };
}
