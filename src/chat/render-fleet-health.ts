// `health all` and App Home: counts per region and site, then the red and amber customers, worst first, with reasons.
import type { LatestHealth } from "../core/health-history.ts";

const rank = { red: 0, amber: 1, green: 2 } as const;
const age = (since: string) => {
  const mins = Math.max(0, Math.round((Date.now() - Date.parse(since)) / 60_000));
  return mins < 60 ? `${mins} min` : mins < 2880 ? `${Math.round(mins / 60)} h` : `${Math.round(mins / 1440)} d`;
};

export interface FleetHealthView {
  totals: { green: number; amber: number; red: number };
  byWhere: Array<{ where: string; green: number; amber: number; red: number }>;
  notGreen: LatestHealth[];
  lastSweepAt?: string;
}

export function fleetHealthView(latest: LatestHealth[], lastSweepAt?: string): FleetHealthView {
  const totals = { green: 0, amber: 0, red: 0 };
  const byWhere = new Map<string, { where: string; green: number; amber: number; red: number }>();
  for (const l of latest) {
    totals[l.verdict]++;
    const w = byWhere.get(l.where) ?? { where: l.where, green: 0, amber: 0, red: 0 };
    w[l.verdict]++;
    byWhere.set(l.where, w);
  }
  const notGreen = latest.filter((l) => l.verdict !== "green").sort((a, b) => rank[a.verdict] - rank[b.verdict] || a.since.localeCompare(b.since));
  return { totals, byWhere: [...byWhere.values()].sort((a, b) => a.where.localeCompare(b.where)), notGreen, ...(lastSweepAt ? { lastSweepAt } : {}) };
}

export function renderFleetHealth(view: FleetHealthView, running?: string): string {
  const { totals } = view;
  const lines = [`Fleet health: ${totals.green} green, ${totals.amber} amber, ${totals.red} red${view.lastSweepAt ? ` (last sweep ${view.lastSweepAt.slice(0, 19).replace("T", " ")} UTC)` : " (no sweep yet)"}${running ? ` — ${running}` : ""}`];
  for (const w of view.byWhere) lines.push(`  ${w.where.padEnd(14)} ${String(w.green).padStart(5)} green ${String(w.amber).padStart(5)} amber ${String(w.red).padStart(5)} red`);
  const shown = view.notGreen.slice(0, 25);
  for (const l of shown) lines.push(`${l.verdict === "red" ? "🔴" : "🟠"} ${l.customer} (${l.where}, ${l.verdict} for ${age(l.since)}${l.held ? ", flapping: alerts held" : ""}): ${l.reasons.join("; ")}`);
  if (view.notGreen.length > shown.length) lines.push(`… and ${view.notGreen.length - shown.length} more not green.`);
  return lines.join("\n");
}
