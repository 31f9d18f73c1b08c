/**
 * "Did you mean": the candidates closest to a mistyped word, by edit distance (a swapped pair of
 * letters counts as one edit), nearest first. Pure; used for mistyped commands here and for unknown
 * customer names by dispatch, which reads the names.
 */

/** Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`, or `cap + 1` once it is clear they are further apart. */
export function editDistance(a: string, b: string, cap = Infinity): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      row.push(d);
      best = Math.min(best, d);
    }
    if (best > cap) return cap + 1;
    prev2 = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * Up to `max` candidates within a third of the word's length in edits (at least one, at most three),
 * or that start with the word; nearest first, then alphabetically.
 */
export function closestNames(word: string, candidates: Iterable<string>, max = 3): string[] {
  const w = word.toLowerCase();
  if (!w) return [];
  const cap = Math.min(3, Math.max(1, Math.floor(w.length / 3)));
  const found: Array<{ name: string; d: number }> = [];
  for (const name of candidates) {
    const n = name.toLowerCase();
    if (n === w) continue;
    const d = n.startsWith(w) && w.length >= 3 ? cap : editDistance(w, n, cap);
    if (d <= cap) found.push({ name, d });
  }
  return found.sort((a, b) => a.d - b.d || a.name.localeCompare(b.name)).slice(0, max).map((f) => f.name);
}

/** "; did you mean onboard?" or "; did you mean acme, acne or acme-eu?", or "" when nothing is close. */
export function didYouMean(names: string[]): string {
  if (names.length === 0) return "";
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} or ${names.at(-1)!}`;
  return `; did you mean ${list}?`;
}
