// A registry record as the adapter port sees a customer: where it lives and its tenant.
import { notFound, type CustomerEnvironment } from "../../adapters/port.ts";
import { targetOf, templatesOf, type CustomerRecord, type CustomerRegistry } from "./customer-registry.ts";

export function environmentOf(record: CustomerRecord): CustomerEnvironment {
  return {
    customer: record.customer,
    target: targetOf(record),
    ...(templatesOf(record).length ? { templates: templatesOf(record) } : {}),
    ...(record.tenantId ? { tenantId: record.tenantId } : {}),
    ...(record.hostname ?? record.tenantHost ? { hostname: record.hostname ?? record.tenantHost } : {}),
    ...(record.tenantHost ? { tenantHost: record.tenantHost } : {}),
    ...(record.purgeDate ? { purgeDate: record.purgeDate } : {}),
  };
}

export async function requireCustomer(registry: CustomerRegistry, customer: string): Promise<CustomerRecord> {
  const record = await registry.get(customer);
  if (!record) throw notFound(`qoem knows no customer named ${customer}`);
  return record;
}
