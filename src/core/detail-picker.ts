/**
 * Which customers a cloud sweep checks in detail: a bounded batch, in order of need (not green last
 * time, then never checked, then the oldest detailed check), chosen while the listing streams by. It
 * holds at most `size` candidates; a customer that falls out (or never gets in) is handed back at
 * once, so its verdict is written then and nothing region-sized waits in memory.
 */
import type { LatestHealth } from "./health-history.ts";

export interface DetailCandidate {
  customer: string;
  previous: LatestHealth | undefined;
}

/** 0: not green last time; 1: never checked in detail; 2: green, checked before (oldest first). */
const needOf = (c: DetailCandidate) => (!c.previous?.detailedAt ? 1 : c.previous.verdict !== "green" ? 0 : 2);

interface Ranked extends DetailCandidate {
  need: number;
  at: string;
  seq: number;
}

const before = (a: Ranked, b: Ranked) => a.need - b.need || a.at.localeCompare(b.at) || a.seq - b.seq;

export class DetailPicker {
  private readonly chosen: Ranked[] = [];
  private seq = 0;

  constructor(private readonly size: number) {}

  /** Offers a candidate; returns the one that is out of the batch now (it, or the one it displaced), if any. */
  offer(candidate: DetailCandidate): DetailCandidate | undefined {
    const ranked: Ranked = { ...candidate, need: needOf(candidate), at: candidate.previous?.detailedAt ?? "", seq: this.seq++ };
    if (this.size <= 0) return candidate;
    const full = this.chosen.length >= this.size;
    if (full && before(this.chosen[this.chosen.length - 1]!, ranked) <= 0) return candidate;
    // Binary search for the first chosen one that ranks after the newcomer.
    let lo = 0;
    let hi = this.chosen.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(this.chosen[mid]!, ranked) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.chosen.splice(lo, 0, ranked);
    if (!full) return undefined;
    const { customer, previous } = this.chosen.pop()!;
    return { customer, previous };
  }

  /** The batch, most needed first; the picker is empty afterwards. */
  drain(): DetailCandidate[] {
    return this.chosen.splice(0).map(({ customer, previous }) => ({ customer, previous }));
  }
}
