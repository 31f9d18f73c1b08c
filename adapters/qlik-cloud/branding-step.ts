// Onboarding step: the customer's brand (logo, favicon, styles) created and activated, where the config gives one.
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { activateBrand, createBrand, getBrands } from "@qlik/api/brands";
import { z } from "zod";
import { QoemError, type OnboardStep, type StepContext } from "../port.ts";
import { listAll, validItems } from "./qlik-call.ts";
import { tenantHostOf } from "./settings-step.ts";
import { brandName, type BrandSpec } from "./onboarding-options.ts";
import type { CloudContext } from "./cloud-adapter.ts";

const brandSchema = z.object({ id: z.string(), name: z.string(), active: z.boolean().optional() });

const specFor = (cloud: CloudContext, customer: string): BrandSpec | undefined => cloud.onboarding.branding.customers[customer] ?? cloud.onboarding.branding.default;

/** The brand files Qlik takes (createBrand in its specification): their types by extension, and their largest sizes. */
const brandFiles = {
  logo: { types: { ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg" }, maxBytes: 300 * 1024, what: "logo" },
  favIcon: { types: { ".ico": "image/x-icon" }, maxBytes: 100 * 1024, what: "favicon" },
  styles: { types: { ".json": "application/json" }, maxBytes: 100 * 1024, what: "styles" },
} as const;

/** A brand file as a typed Blob (its MIME type goes into the multipart part), refused here when Qlik would refuse it. */
async function fileOf(path: string | undefined, kind: keyof typeof brandFiles): Promise<Blob | undefined> {
  if (!path) return undefined;
  const rule = brandFiles[kind];
  const ext = extname(path).toLowerCase();
  const type = (rule.types as Record<string, string>)[ext];
  if (!type) throw new QoemError("config_error", `the brand's ${rule.what} ${path} must be ${Object.keys(rule.types).join(" or ")}`);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new QoemError("config_error", `the brand's ${rule.what} file ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
  if (bytes.length > rule.maxBytes) throw new QoemError("config_error", `the brand's ${rule.what} ${path} is ${Math.ceil(bytes.length / 1024)} KB; Qlik takes at most ${rule.maxBytes / 1024} KB`);
  return new Blob([bytes], { type });
}

async function findBrand(cloud: CloudContext, ctx: StepContext, name: string) {
  const brands = await listAll(
    cloud.caller,
    tenantHostOf(ctx),
    cloud.regionOf(ctx),
    "listing brands", "getBrands",
    (hostConfig, startingAfter) => getBrands({ limit: 100, ...(startingAfter ? { startingAfter } : {}) }, { hostConfig, noCache: true }),
    "startingAfter",
  );
  return validItems(brands, brandSchema).find((b) => b.name === name);
}

export function brandingStep(cloud: CloudContext): OnboardStep {
  return {
    id: "branding",
    title: "Apply branding",
    async run(ctx) {
      const spec = specFor(cloud, ctx.request.customer);
      if (!spec) return { outcome: "unchanged", detail: "no branding configured for this customer; Qlik's default brand stays" };
      const name = spec.name ?? brandName(ctx.request.customer);
      const host = tenantHostOf(ctx);
      const creds = cloud.regionOf(ctx);
      let brand = await findBrand(cloud, ctx, name);
      let outcome: "created" | "updated" | "unchanged" = "unchanged";
      if (!brand) {
        const [logo, favIcon, styles] = await Promise.all([fileOf(spec.logo, "logo"), fileOf(spec.favIcon, "favIcon"), fileOf(spec.styles, "styles")]);
        const res = await cloud.caller.call(host, creds, "creating the brand", (hostConfig) =>
          createBrand(
            { name, description: spec.description ?? `qoem brand for ${ctx.request.customer}`, ...(logo ? { logo } : {}), ...(favIcon ? { favIcon } : {}), ...(styles ? { styles } : {}) },
            { hostConfig },
          ), "createBrand",
        );
        brand = brandSchema.parse(res.data);
        outcome = "created";
      }
      if (!brand.active) {
        const id = brand.id;
        await cloud.caller.call(host, creds, "activating the brand", (hostConfig) => activateBrand(id, {}, { hostConfig }), "activateBrand");
        if (outcome === "unchanged") outcome = "updated";
      }
      return { outcome, detail: `${name} active`, facts: { brandId: brand.id } };
    },
    async plan(ctx) {
      const spec = specFor(cloud, ctx.request.customer);
      if (!spec) return { id: "branding", title: "Apply branding", action: "none", detail: "no branding configured" };
      const name = spec.name ?? brandName(ctx.request.customer);
      const existing = ctx.facts.tenantId ? await findBrand(cloud, ctx, name) : undefined;
      if (existing?.active) return { id: "branding", title: "Apply branding", action: "none", detail: `${name} already active` };
      return { id: "branding", title: "Apply branding", action: existing ? "update" : "create", detail: existing ? `activate ${name}` : `create and activate ${name}` };
    },
  };
}
