/**
 * Config errors that name the place and never the value: a typo can put a secret where a key or a
 * field name belongs (`{ clientSecret abc }` is a key `clientSecret abc` in YAML), and a parser's
 * message may quote the source line. So: keys only when they look like field names, zod issues by
 * field, YAML errors by line and column.
 */
import { YAMLParseError } from "yaml";
import type { z } from "zod";

const HIDDEN = "(a key not shown)";

/**
 * A key as written: shown when it looks like one of qoem's field names (camelCase) or a name (a lower-case
 * slug such as a site or a region), else hidden, since it may be a value typed where a key goes.
 */
export const showKey = (key: PropertyKey): string => {
  if (typeof key === "number") return `[${key}]`;
  const text = String(key);
  return text.length <= 40 && /^[a-z][a-zA-Z0-9]*(?:-[a-z0-9]+)*$/.test(text) ? text : HIDDEN;
};

/** The environment's keys are the schema's own variable names (it ignores any other), so they are always shown. */
const showVariable = (key: PropertyKey): string => (typeof key === "number" ? `[${key}]` : String(key));

export const fieldPath = (path: readonly PropertyKey[], show: (key: PropertyKey) => string = showKey): string => path.map(show).join(".").replace(/\.\[/g, "[");

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let at = input;
  for (const key of path) at = at !== null && typeof at === "object" ? (at as Record<PropertyKey, unknown>)[key] : undefined;
  return at;
}

function issueText(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === "unrecognized_keys") return `unknown key${issue.keys.length === 1 ? "" : "s"} ${issue.keys.map(showKey).join(", ")}`;
  if (issue.code === "invalid_key") return "a key here is not allowed";
  // zod's own messages name types and limits, not values; this also holds for messages we write, whatever they say.
  const value = valueAt(input, issue.path);
  const shown = typeof value === "string" || typeof value === "number" ? String(value) : "";
  return shown.length >= 3 ? issue.message.split(shown).join("(value not shown)") : issue.message;
}

/** Up to five issues, each as `<where> <field.path>: <what is wrong>`; `knownKeys` where every key is the schema's own (the environment). */
export function describeIssues(error: z.ZodError, where: string, input: unknown, options: { knownKeys?: boolean } = {}): string {
  const show = options.knownKeys ? showVariable : showKey;
  return error.issues
    .slice(0, 5)
    .map((i) => `${where}${i.path.length ? ` ${fieldPath(i.path, show)}` : ""}: ${issueText(i, input)}`)
    .join("; ");
}

/** A YAML (or JSON) syntax error by kind and position, never the source text around it. */
export function describeSyntaxError(error: unknown): string {
  if (error instanceof YAMLParseError) {
    const at = error.linePos?.[0];
    return `${error.code.toLowerCase().replace(/_/g, " ")}${at ? ` at line ${at.line}, column ${at.col}` : ""}`;
  }
  return "unreadable";
}
