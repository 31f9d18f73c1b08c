// Structured logs (pino), one line per event, to stderr; anything that looks like a secret is redacted.
import { pino, type Logger, type DestinationStream } from "pino";

export const redactedPaths = [
  "clientSecret",
  "*.clientSecret",
  "client_secret",
  "*.client_secret",
  "secret",
  "*.secret",
  "token",
  "*.token",
  "botToken",
  "*.botToken",
  "signingSecret",
  "*.signingSecret",
  "appToken",
  "*.appToken",
  "apiKey",
  "*.apiKey",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "access_token",
  "*.access_token",
  "key",
  "*.key",
  "cert",
  "*.cert",
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { app: "qoem" }, redact: { paths: redactedPaths, censor: "[redacted]" } }, destination ?? pino.destination(2));
}
