// The provisioning API's OpenAPI document, generated from the zod schemas that validate its requests (served at /api/openapi.json).
import { z } from "zod";
import { acceptedSchema, approvalRequestedSchema, customerViewSchema, errorSchema, offboardingRequestSchema, onboardingRequestSchema, operationSchema } from "./api-schemas.ts";

const json = (schema: z.ZodType) => ({ "application/json": { schema: z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) } });
const error = (description: string) => ({ description, content: json(errorSchema) });
const common = { "401": error("No or wrong bearer token"), "403": error("The token lacks the scope"), "429": error("The token's rate limit was reached (Retry-After)") };

let cached: unknown;

export function openApiDocument(): unknown {
  cached ??= {
    openapi: "3.1.0",
    info: { title: "qoem provisioning API", version: "1.0.0", description: "Onboard, read and ask for offboards of an OEM's customers without a human. Tokens are bearer tokens with scopes (onboard, read, offboard:request); an API token never approves." },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
    paths: {
      "/api/v1/onboardings": {
        post: {
          summary: "Onboard a customer (scope onboard)",
          parameters: [{ name: "Idempotency-Key", in: "header", required: true, schema: { type: "string", minLength: 1, maxLength: 200 }, description: "The same request with the same key gets the same operation, never a second tenant" }],
          requestBody: { required: true, content: json(onboardingRequestSchema) },
          responses: { "202": { description: "Accepted; follow the operation at Location", content: json(acceptedSchema) }, "409": error("The customer already has an environment or an operation under way (named)"), "422": error("The body or a header is wrong (the field is named)"), ...common },
        },
      },
      "/api/v1/offboardings": {
        post: {
          summary: "Ask for an offboard; an approver confirms it in Slack (scope offboard:request)",
          requestBody: { required: true, content: json(offboardingRequestSchema) },
          responses: { "202": { description: "The approval request is pending", content: json(approvalRequestedSchema) }, "409": error("The customer cannot be offboarded now (says why)"), "422": error("The body is wrong"), ...common },
        },
      },
      "/api/v1/operations/{id}": {
        get: {
          summary: "An operation's steps and outcome, as the Slack thread shows them (scope read)",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: { "200": { description: "The operation", content: json(operationSchema) }, "404": error("No such operation"), ...common },
        },
      },
      "/api/v1/customers/{name}": {
        get: {
          summary: "A customer's registry record (scope read)",
          parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }],
          responses: { "200": { description: "The customer", content: json(customerViewSchema) }, "404": error("No such customer"), ...common },
        },
      },
    },
  };
  return cached;
}
