// The reload variables a customer's app gets in a rollout: its id and name (qoem's customer name is both), then the OEM's own from the config.
import type { CustomerRecord } from "./customer-registry.ts";

export const CUSTOMER_ID_VARIABLE = "vCustomerId";
export const CUSTOMER_NAME_VARIABLE = "vCustomerName";

export function rolloutVariables(record: CustomerRecord, extra: Record<string, string>): Record<string, string> {
  const fill = (value: string) =>
    value
      .replaceAll("{customer}", record.customer)
      .replaceAll("{region}", record.region ?? "")
      .replaceAll("{site}", record.site ?? "")
      .replaceAll("{tenantId}", record.tenantId ?? "")
      .replaceAll("{hostname}", record.hostname ?? record.tenantHost ?? "")
      .slice(0, 256);
  return { [CUSTOMER_ID_VARIABLE]: record.customer, [CUSTOMER_NAME_VARIABLE]: record.customer, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, fill(v)])) };
}
