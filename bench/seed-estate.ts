// Seeds a benchmark's estate: onboarded tenants in the emulator (healthy, as qoem's onboard leaves them) and their customers in the registry.
import { z } from "zod";
import { emulatorJwtIssuer } from "../adapters/qlik-cloud/emulator/emulator-credentials.ts";
import type { CustomerRegistry } from "../src/core/customer-registry.ts";

const seededSchema = z.object({ tenants: z.array(z.object({ id: z.string(), name: z.string(), hostname: z.string() })) });

export async function seedEstate(emulatorUrl: string, registry: CustomerRegistry, regions: string[], perRegion: number, prefixOf: (region: string) => string): Promise<void> {
  for (const region of regions) {
    const seeded = await fetch(`${emulatorUrl}/_emulator/tenants`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ count: perRegion, region, prefix: prefixOf(region), onboarded: { jwtIssuer: emulatorJwtIssuer } }),
    });
    if (!seeded.ok) throw new Error(`seeding ${region}: the emulator answered ${seeded.status} ${await seeded.text()}`);
    const { tenants } = seededSchema.parse(await seeded.json());
    for (let i = 0; i < tenants.length; i += 1000) {
      await Promise.all(
        tenants.slice(i, i + 1000).map(async (t) => {
          await registry.begin(t.name, { kind: "cloud", region }, "bench", "active", "bench");
          await registry.update(t.name, { tenantId: t.id, hostname: t.hostname });
        }),
      );
    }
  }
}
