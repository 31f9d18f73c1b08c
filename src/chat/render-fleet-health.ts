// `health all` and App Home: counts per region, site and shared tenant (with its kind of deployment), then the red, amber and unknown customers, worst first, with reasons.
import type { SweepsOutcome } from "../queue/follow-sweeps.ts";
import type { HealthVerdict, LatestHealth } from "../core/health-history.ts";

const rank: Record<HealthVerdict, number> = { red: 0, amber: 1, unknown: 2, green: 3 };
/** The mark of each verdict; grey for a customer qoem could not check. */
export const verdictMark: Record<HealthVerdict, string> = { red: "🔴", amber: "🟠", unknown: "⚪", green: "🟢" };
const age = (since: string) => {
  const mins = Math.max(0, Math.round((Date.now() - Date.parse(since)) / 60_000));
  return mins < 60 ? `${mins} min` : mins < 2880 ? `${Math.round(mins / 60)} h` : `${Math.round(mins / 1440)} d`;
};

type Counts = Record<HealthVerdict, number>;

export interface FleetHealthView {
  totals: Counts;
  /** `deployment`: what the place is ("own tenants", "site", "shared tenant, 3 of 9 places used"). */
  byWhere: Array<{ where: string; deployment?: string } & Counts>;
  /** The worst customers that are not green (up to `NOT_GREEN_KEPT`), worst and oldest first; `notGreenCount` counts them all. */
  notGreen: LatestHealth[];
  notGreenCount: number;
  /** Customers whose alert is decided but not yet delivered (it is being retried): the first few by name, and how many. */
  undelivered: LatestHealth[];
  undeliveredCount: number;
  lastSweepAt?: string;
}

/** How many not-green customers a view keeps: more than any surface shows at once, bounded whatever the estate. */
export const NOT_GREEN_KEPT = 100;
const UNDELIVERED_KEPT = 10;

const worse = (a: LatestHealth, b: LatestHealth) => rank[a.verdict] - rank[b.verdict] || a.since.localeCompare(b.since);

/** Folds verdicts, one at a time, into a bounded view: counts of all, the worst few of the rest. */
class FleetHealthTally {
  private readonly totals: Counts = { green: 0, amber: 0, red: 0, unknown: 0 };
  private readonly byWhere = new Map<string, { where: string; deployment?: string } & Counts>();
  private readonly notGreen: LatestHealth[] = [];
  private notGreenCount = 0;
  private readonly undelivered: LatestHealth[] = [];
  private undeliveredCount = 0;

  constructor(private readonly deployments: Record<string, string> = {}) {}

  add(l: LatestHealth): void {
    this.totals[l.verdict]++;
    const deployment = this.deployments[l.where];
    const w = this.byWhere.get(l.where) ?? { where: l.where, ...(deployment ? { deployment } : {}), green: 0, amber: 0, red: 0, unknown: 0 };
    w[l.verdict]++;
    this.byWhere.set(l.where, w);
    if (l.verdict !== "green") {
      this.notGreenCount++;
      // Kept sorted and bounded: a newcomer worse than the last kept one displaces it.
      const last = this.notGreen[this.notGreen.length - 1];
      if (this.notGreen.length < NOT_GREEN_KEPT || (last && worse(l, last) < 0)) {
        const at = this.notGreen.findIndex((k) => worse(l, k) < 0);
        this.notGreen.splice(at === -1 ? this.notGreen.length : at, 0, l);
        if (this.notGreen.length > NOT_GREEN_KEPT) this.notGreen.pop();
      }
    }
    if (l.pendingAlert) {
      this.undeliveredCount++;
      if (this.undelivered.length < UNDELIVERED_KEPT || l.customer < this.undelivered[this.undelivered.length - 1]!.customer) {
        this.undelivered.push(l);
        this.undelivered.sort((a, b) => a.customer.localeCompare(b.customer));
        if (this.undelivered.length > UNDELIVERED_KEPT) this.undelivered.pop();
      }
    }
  }

  view(lastSweepAt?: string): FleetHealthView {
    return {
      totals: { ...this.totals },
      byWhere: [...this.byWhere.values()].sort((a, b) => a.where.localeCompare(b.where)),
      notGreen: [...this.notGreen],
      notGreenCount: this.notGreenCount,
      undelivered: [...this.undelivered],
      undeliveredCount: this.undeliveredCount,
      ...(lastSweepAt ? { lastSweepAt } : {}),
    };
  }
}

/** The view of a list of verdicts (a pure function; for a fleet of any size use `summarizeFleetHealth`). */
export function fleetHealthView(latest: LatestHealth[], lastSweepAt?: string, deployments: Record<string, string> = {}): FleetHealthView {
  const tally = new FleetHealthTally(deployments);
  for (const l of latest) tally.add(l);
  return tally.view(lastSweepAt);
}

/**
 * The view of verdicts read a page at a time (the health history's `scanLatest`): the whole estate in
 * bounded memory. A surface that pages further (or writes a CSV) reads the same pages itself.
 */
export async function summarizeFleetHealth(pages: AsyncIterable<LatestHealth[]>, lastSweepAt?: string, deployments: Record<string, string> = {}): Promise<FleetHealthView> {
  const tally = new FleetHealthTally(deployments);
  for await (const page of pages) for (const l of page) tally.add(l);
  return tally.view(lastSweepAt);
}

/** "3 green, 0 amber, 1 red" and ", 2 unknown" when some could not be checked. */
export const countsLine = (c: Counts) => `${c.green} green, ${c.amber} amber, ${c.red} red${c.unknown ? `, ${c.unknown} unknown` : ""}`;

/** "2 alerts undelivered (retrying): acme red, globex all-clear", or nothing. */
export const undeliveredLine = (view: FleetHealthView) =>
  view.undeliveredCount
    ? `${view.undeliveredCount} alert${view.undeliveredCount > 1 ? "s" : ""} undelivered (retrying): ${view.undelivered.slice(0, 10).map((l) => `${l.customer} ${l.pendingAlert}`).join(", ")}${view.undeliveredCount > 10 ? ", …" : ""}`
    : undefined;

/** One customer that is not green: its verdict, age and reasons (an unknown says its last real verdict). */
export function notGreenLine(l: LatestHealth): string {
  const known = l.verdict === "unknown" && l.known ? `, last known ${l.known.verdict}` : "";
  return `${verdictMark[l.verdict]} ${l.customer} (${l.where}, ${l.verdict} for ${age(l.since)}${known}${l.held ? ", flapping: alerts held" : ""}): ${l.reasons.join("; ")}`;
}

/** `sweepTime: false` leaves the time of the last sweep out (Slack shows it as a date token beside the text). */
export function renderFleetHealth(view: FleetHealthView, running?: string, sweepTime = true): string {
  const { totals } = view;
  const when = !sweepTime ? "" : view.lastSweepAt ? ` (last sweep ${view.lastSweepAt.slice(0, 19).replace("T", " ")} UTC)` : " (no sweep yet)";
  const lines = [`Fleet health: ${countsLine(totals)}${when}${running ? ` — ${running}` : ""}`];
  for (const w of view.byWhere) lines.push(`  ${w.where.padEnd(14)} ${String(w.green).padStart(5)} green ${String(w.amber).padStart(5)} amber ${String(w.red).padStart(5)} red${totals.unknown ? ` ${String(w.unknown).padStart(5)} unknown` : ""}${w.deployment ? `  (${w.deployment})` : ""}`);
  const undelivered = undeliveredLine(view);
  if (undelivered) lines.push(`⚠️ ${undelivered}`);
  const shown = view.notGreen.slice(0, 25);
  for (const l of shown) lines.push(notGreenLine(l));
  if (view.notGreenCount > shown.length) lines.push(`… and ${view.notGreenCount - shown.length} more not green.`);
  return lines.join("\n");
}

/** What a followed `health all` adds to its answer when not every sweep completed (undefined when all did). */
export function describeSweeps(outcome: SweepsOutcome): string | undefined {
  const parts: string[] = [];
  if (outcome.failed) parts.push(`${outcome.failed} sweep${outcome.failed === 1 ? "" : "s"} failed (${[...new Set(outcome.errors)].join("; ") || "no reason given"}); their regions show the verdicts from before`);
  if (outcome.timeout) parts.push(`${outcome.timeout} sweep${outcome.timeout === 1 ? " is" : "s are"} still running; 'health all' later shows their verdicts`);
  return parts.length ? parts.join("; ") : undefined;
}
