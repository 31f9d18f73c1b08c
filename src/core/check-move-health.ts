// Health of a customer in the middle of a move: both sides are checked, each reason says which side, and the verdict is the worse one.
import { toQoemError, type DeploymentAdapter, type HealthReport, type Target, type Verdict } from "../../adapters/port.ts";
import { templatesOf, type CustomerRecord } from "./customer-registry.ts";
import { sourceEnvOf, targetEnvOf } from "./run-move.ts";
import { whereOfTarget, type CustomerMove } from "./customer-moves.ts";

const rank: Record<Verdict, number> = { green: 0, amber: 1, red: 2 };

export async function checkMoveHealth(record: CustomerRecord, move: CustomerMove, adapterFor: (t: Target) => DeploymentAdapter): Promise<HealthReport> {
  const templates = templatesOf(record);
  const side = async (name: string, target: Target, run: () => Promise<HealthReport>): Promise<{ verdict: Verdict; reasons: string[] }> => {
    try {
      const h = await run();
      return { verdict: h.verdict, reasons: (h.reasons.length ? h.reasons : ["healthy"]).map((r) => `${name} (${whereOfTarget(target)}): ${r}`) };
    } catch (error) {
      return { verdict: "red", reasons: [`${name} (${whereOfTarget(target)}): could not be checked: ${toQoemError(error).message}`] };
    }
  };
  const targetEnv = targetEnvOf(move, templates);
  const sides = await Promise.all([
    side("source", move.from, () => adapterFor(move.from).health(sourceEnvOf(move, templates))),
    targetEnv.tenantId || move.to.kind !== "cloud"
      ? side("target", move.to, () => adapterFor(move.to).health(targetEnv))
      : Promise.resolve({ verdict: "amber" as Verdict, reasons: [`target (${whereOfTarget(move.to)}): not built yet`] }),
  ]);
  const verdict = sides.reduce<Verdict>((worst, s) => (rank[s.verdict] > rank[worst] ? s.verdict : worst), "green");
  return { customer: record.customer, verdict, reasons: sides.flatMap((s) => s.reasons), checkedAt: new Date().toISOString() };
}
