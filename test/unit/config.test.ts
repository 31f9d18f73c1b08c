import { describe, expect, it } from "vitest";
import { ConfigError, readConfig } from "../../src/config.ts";

const file = (text: string) => () => text;

describe("readConfig", () => {
  it("runs locally against the emulators without any credentials", () => {
    const c = readConfig({});
    expect(c.mode).toBe("local");
    expect(c.emulators.embedded).toBe(true);
    expect(c.roles).toEqual(["chat", "worker", "scheduler"]);
    expect(c.prefix).toBe("qoem");
  });

  it("refuses a production start without Qlik credentials instead of falling back to emulators", () => {
    expect(() => readConfig({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s" })).toThrow(/no Qlik credentials/);
  });

  it("names the field that is wrong in the config file", () => {
    const read = () =>
      readConfig({ QOEM_CONFIG: "/etc/qoem.yaml", SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s" }, file("cloud:\n  regions:\n    eu:\n      clientId: abc\n"));
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/cloud\.regions\.eu\.clientSecret/);
  });

  it("refuses an unknown region, an unknown key and unreadable YAML", () => {
    expect(() => readConfig({ QOEM_CONFIG: "x" }, file("cloud:\n  regions:\n    mars: {clientId: a, clientSecret: b}\n"))).toThrow(/cloud\.regions.*mars/);
    expect(() => readConfig({ QOEM_CONFIG: "x" }, file("clowd: {}\n"))).toThrow(/clowd/);
    expect(() => readConfig({ QOEM_CONFIG: "x" }, file("cloud: [\n"))).toThrow(/not valid YAML/);
    expect(() =>
      readConfig({ QOEM_CONFIG: "x" }, () => {
        throw Object.assign(new Error("nope"), { code: "ENOENT" });
      }),
    ).toThrow(/cannot read x \(ENOENT\)/);
  });

  it("reads regions with their defaults, roles from file and environment, and never echoes a secret", () => {
    const yaml = "cloud:\n  regions:\n    eu: {clientId: cid, clientSecret: TOPSECRET}\nroles:\n  approvers: [U1]\n";
    const c = readConfig({ QOEM_CONFIG: "x", SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s", QOEM_APPROVERS: "U2, U1", QOEM_ALERTS_CHANNEL: "C9" }, file(yaml));
    expect(c.cloud.regions.eu).toEqual({ clientId: "cid", clientSecret: "TOPSECRET", datacenter: "eu-west-1", registerHost: "register.eu.qlikcloud.com" });
    expect(c.access.approvers).toEqual(["U1", "U2"]);
    expect(c.channels.alerts).toBe("C9");
    expect(c.emulators.embedded).toBe(false);
    try {
      readConfig({ QOEM_CONFIG: "x" }, file("cloud:\n  regions:\n    eu: {clientId: cid, clientSecret: TOPSECRET, extra: 1}\n"));
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).not.toContain("TOPSECRET");
    }
  });

  it("refuses bad environment values with the variable's name", () => {
    expect(() => readConfig({ QOEM_ROLES: "chat,cook" })).toThrow(/QOEM_ROLES/);
    expect(() => readConfig({ REDIS_URL: "http://x" })).toThrow(/REDIS_URL/);
    expect(() => readConfig({ SLACK_BOT_TOKEN: "xoxb-1" })).toThrow(/go together/);
  });
});
