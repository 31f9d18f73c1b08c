// A move's source on a client-managed site: the customer's apps are the ones published to its stream, with their file sizes.
import { z } from "zod";
import type { CustomerApp } from "../port.ts";
import { qrsGuid } from "./qrs-client.ts";
import { findCustomerStream, list } from "./site-queries.ts";
import type { SiteHandle } from "./site-adapter.ts";

const sizedAppSchema = z.object({ id: z.string(), name: z.string(), fileSize: z.number().default(0), stream: z.object({ id: z.string() }).passthrough().nullable().default(null) }).passthrough();

export async function listCustomerApps(site: SiteHandle, customer: string): Promise<CustomerApp[]> {
  const stream = await findCustomerStream(site.qrs, customer);
  if (!stream) return [];
  const apps = await list(site.qrs, "/qrs/app/full", sizedAppSchema, `stream.id eq ${qrsGuid(stream.id)}`);
  return apps.filter((a) => a.stream?.id === stream.id).map((a) => ({ id: a.id, name: a.name, sizeBytes: a.fileSize })).sort((a, b) => a.name.localeCompare(b.name));
}
