// One qoem per test, stopped after it, with the commands and reads the lifecycle tests use on it.
import { afterEach } from "vitest";
import { startTestQoem, type TestQoem } from "./start-test-qoem.ts";
import { sayCommand } from "./say-command.ts";
import type { StartOptions } from "../../src/main.ts";

export function useTestQoem() {
  let current: TestQoem | undefined;
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  const qoem = () => {
    if (!current) throw new Error("no qoem started in this test (call start first)");
    return current;
  };
  return {
    start: async (name: string, env: Record<string, string> = {}, options: StartOptions = {}) => (current = await startTestQoem(name, env, options)),
    say: (text: string, user = "U1") => sayCommand(qoem(), text, user),
    status: async (customer: string) => (await qoem().registry.get(customer))?.status,
    auditOf: async (customer: string) => (await qoem().dispatch.audit.read(customer, 100)).map((e) => `${e.action} → ${e.result}`),
  };
}
