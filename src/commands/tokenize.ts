// Splits command text into words; double, single and Slack's typographic quotes group words.
export class TokenizeError extends Error {}

const closing: Record<string, string> = { '"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019", "\u201d": "\u201d", "\u2019": "\u2019" };

export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let current = "";
  let inToken = false;
  let quote: string | undefined;
  for (const c of text) {
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else current += c;
      continue;
    }
    const close = closing[c];
    if (close !== undefined) {
      quote = close;
      inToken = true;
    } else if (/\s/u.test(c)) {
      if (inToken) tokens.push(current);
      current = "";
      inToken = false;
    } else {
      current += c;
      inToken = true;
    }
  }
  if (quote !== undefined) throw new TokenizeError(`a quote is not closed (missing ${quote})`);
  if (inToken) tokens.push(current);
  return tokens;
}
