// Imported first by every qoem entry point: V8 tuned for what the process does.
// Processes that sweep and run operations (roles worker, scheduler; all roles in one in local mode)
// get --optimize-for-size, which caps how far the heap grows between full collections (a growing factor
// of at most 2 instead of 4): a sweep of the estate churns through short-lived objects (HTTP answers,
// Redis replies), and without it the heap grew to four times what was live before V8 collected.
// Measured on estate-sweep: peak resident memory 260 MB -> 140 MB; README, "Benchmarks".
// A chat-only process (QOEM_ROLES=chat) keeps V8's defaults: it holds little, and its job is to ack
// Slack fast; with the flag its p99 ack was up to 2.4x bare Bolt's, with V8's defaults 0.9x to 1.5x.
// QOEM_V8_DEFAULTS=1 keeps the defaults in any process.
import { setFlagsFromString } from "node:v8";

const roles = (process.env.QOEM_ROLES ?? "").split(",").map((r) => r.trim()).filter(Boolean);
const chatOnly = roles.length > 0 && roles.every((r) => r === "chat");
if (process.env.QOEM_V8_DEFAULTS !== "1" && !chatOnly) setFlagsFromString("--optimize-for-size");
