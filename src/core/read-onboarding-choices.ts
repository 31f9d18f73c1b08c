/**
 * What an onboarding form can offer, read through the adapter port: the template names of each
 * place templates come from (the source tenant for every Qlik Cloud region, each site's template
 * stream) and the features the licence allows. Read only, each read bounded in time; a read that
 * fails or times out is reported as such (the form then lets the user type names), never thrown.
 */
import { toQoemError, type DeploymentAdapter, type Target } from "../../adapters/port.ts";

export type ChoiceRead<T> = { ok: true; value: T } | { ok: false; why: string };

export interface OnboardingChoices {
  /** One entry per template source: a Qlik Cloud region stands for all of them (one source tenant); each site for itself. */
  templates: Array<{ target: Target; read: ChoiceRead<string[]> }>;
  /** Features the licence allows; absent when no target can have features (no Qlik Cloud region). */
  features?: ChoiceRead<string[]>;
}

const READ_TIMEOUT_MS = 8000;

async function bounded<T>(what: string, read: () => Promise<T>, timeoutMs: number): Promise<ChoiceRead<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ChoiceRead<T>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, why: `${what} took longer than ${Math.round(timeoutMs / 1000)} s` }), timeoutMs);
  });
  try {
    return await Promise.race([read().then((value): ChoiceRead<T> => ({ ok: true, value })).catch((e: unknown): ChoiceRead<T> => ({ ok: false, why: toQoemError(e).message })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `targets`: every place the form offers; templates are read once for the cloud and once per site, side by side. */
export async function readOnboardingChoices(adapterFor: (target: Target) => DeploymentAdapter, targets: Target[], timeoutMs = READ_TIMEOUT_MS): Promise<OnboardingChoices> {
  const cloud = targets.find((t) => t.kind === "cloud");
  const sites = [...new Map(targets.flatMap((t) => (t.kind === "client-managed" ? [[t.site, t] as const] : []))).values()];
  const sources: Target[] = [...(cloud ? [cloud] : []), ...sites];
  const templates = Promise.all(
    sources.map(async (target) => {
      let adapter: DeploymentAdapter;
      try {
        adapter = adapterFor(target);
      } catch (e) {
        return { target, read: { ok: false as const, why: toQoemError(e).message } };
      }
      const read = adapter.templateNames ? await bounded("reading the templates", () => adapter.templateNames!(target), timeoutMs) : { ok: false as const, why: "this kind of place cannot list its templates" };
      return { target, read };
    }),
  );
  const cloudAdapter = cloud ? adapterFor(cloud) : undefined;
  const features = cloudAdapter
    ? cloudAdapter.licensedFeatures
      ? bounded("reading the licence", () => cloudAdapter.licensedFeatures!(), timeoutMs)
      : Promise.resolve<ChoiceRead<string[]>>({ ok: false, why: "the licence cannot be read" })
    : undefined;
  return { templates: await templates, ...(features ? { features: await features } : {}) };
}
