// Structured logs (pino), one line per event, to stderr; anything that looks like a secret is redacted.
import { pino, type Logger, type DestinationStream } from "pino";
import { PinoPretty } from "pino-pretty";

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

/**
 * For a person at a terminal (the local shell): one short human line per event, on stderr, with the same
 * redaction. Machines (pipes, files, log shippers, tests) keep the JSON lines of createLogger.
 */
export function createHumanLogger(level: string): Logger {
  const pretty = PinoPretty({
    destination: 2,
    colorize: process.stderr.isTTY === true,
    singleLine: true,
    translateTime: "HH:MM:ss",
    ignore: "pid,hostname,app",
  });
  return pino({ level, base: { app: "qoem" }, redact: { paths: redactedPaths, censor: "[redacted]" } }, pretty);
}
