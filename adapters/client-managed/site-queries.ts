// QRS reads and writes shared by the client-managed steps, health and offboard; every filter built with quoted values.
import { z } from "zod";
import { QoemError } from "../port.ts";
import { qrsGuid, qrsString, type QrsClient } from "./qrs-client.ts";

export const CUSTOMER_PROPERTY = "Customer";

const cpv = z.object({ value: z.string(), definition: z.object({ id: z.string(), name: z.string().optional() }) });
export const streamSchema = z.object({ id: z.string(), name: z.string(), customProperties: z.array(cpv).default([]), modifiedDate: z.string().optional() }).passthrough();
export const appSchema = z.object({ id: z.string(), name: z.string(), published: z.boolean(), stream: z.object({ id: z.string(), name: z.string() }).nullable().default(null), customProperties: z.array(cpv).default([]), modifiedDate: z.string() }).passthrough();
export const definitionSchema = z.object({ id: z.string(), name: z.string(), choiceValues: z.array(z.string()).default([]), objectTypes: z.array(z.string()).default([]), modifiedDate: z.string() }).passthrough();
/** The object types qoem tags with the customer (QRS refuses a value on a type its definition does not list). */
export const CUSTOMER_OBJECT_TYPES = ["App", "Stream", "User", "ReloadTask"];
export const ruleSchema = z.object({ id: z.string(), name: z.string(), rule: z.string(), resourceFilter: z.string(), actions: z.number(), disabled: z.boolean(), modifiedDate: z.string() }).passthrough();
export const virtualProxySchema = z
  .object({
    id: z.string(),
    prefix: z.string(),
    authenticationMethod: z.number().optional(),
    jwtPublicKeyCertificate: z.string().default(""),
    jwtAttributeUserId: z.string().default(""),
    jwtAttributeUserDirectory: z.string().default(""),
    loadBalancingServerNodes: z.array(z.object({ id: z.string() }).passthrough()).default([]),
    websocketCrossOriginWhiteList: z.array(z.string()).default([]),
  })
  .passthrough();
export const engineServiceSchema = z.object({ id: z.string(), serverNodeConfiguration: z.object({ id: z.string() }).passthrough() }).passthrough();
export const proxyServiceSchema = z.object({ id: z.string(), modifiedDate: z.string(), settings: z.object({ virtualProxies: z.array(z.object({ id: z.string() }).passthrough()) }).passthrough() }).passthrough();
export type QrsStream = z.infer<typeof streamSchema>;
export type QrsApp = z.infer<typeof appSchema>;

export const ruleName = (customer: string) => `qoem-${customer}-stream`;
export const stagingName = (customer: string, template: string) => `qoem-${customer}: ${template}`;
/** The user directory of a customer's users (the JWT virtual proxy's userDirectory claim). */
export const customerDirectory = (customer: string) => customer.toUpperCase();
export const readRule = (customer: string) => `user.userDirectory = "${customerDirectory(customer).replace(/["\\]/g, "")}"`;

export const list = <T>(qrs: QrsClient, path: string, schema: z.ZodType<T>, filter?: string) => qrs.call("GET", path, z.array(schema), filter ? { query: { filter } } : {});

export const findDefinition = async (qrs: QrsClient) => (await list(qrs, "/qrs/custompropertydefinition/full", definitionSchema, `name eq ${qrsString(CUSTOMER_PROPERTY)}`))[0];

export const carries = (entity: { customProperties: Array<{ value: string; definition: { name?: string | undefined } }> }, customer: string) =>
  entity.customProperties.some((c) => c.value === customer && (c.definition.name === undefined || c.definition.name === CUSTOMER_PROPERTY));

/** The customer's stream, refusing a stream of that name that is tagged for someone else. */
export async function findCustomerStream(qrs: QrsClient, customer: string): Promise<QrsStream | undefined> {
  const streams = await list(qrs, "/qrs/stream/full", streamSchema, `name eq ${qrsString(customer)}`);
  const stream = streams.find((s) => s.name.toLowerCase() === customer.toLowerCase());
  if (stream && stream.customProperties.some((c) => c.value !== customer && c.definition.name === CUSTOMER_PROPERTY)) {
    throw new QoemError("conflict", `stream '${customer}' on this site belongs to another customer; resolve this by hand`);
  }
  return stream;
}

export const appsInStream = (qrs: QrsClient, streamId: string) => list(qrs, "/qrs/app/full", appSchema, `stream.id eq ${qrsGuid(streamId)}`);

/** Runs a read-modify-write, re-reading after a 409 (another writer changed the entity first). */
export async function withRetryOnConflict<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if ((e as { code?: string }).code !== "conflict" || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 20 * i));
    }
  }
}
