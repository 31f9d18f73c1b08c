import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
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

  it("runs on the emulators by default only when no config file is given", () => {
    expect(readConfig({ QOEM_CONFIG: "x" }, file("sites:\n  onprem: {engineUrl: \"wss://qs.example\", qrsUrl: \"https://qs.example:4242\"}\n")).emulators.embedded).toBe(false);
    expect(() => readConfig({ QOEM_CONFIG: "x" }, file("roles:\n  approvers: [U1]\n"))).toThrow(/no Qlik credentials/);
    expect(readConfig({ QOEM_CONFIG: "x", QOEM_EMULATORS: "1" }, file("roles:\n  approvers: [U1]\n")).emulators.embedded).toBe(true);
  });

  it("refuses Qlik Cloud credentials in the config together with the emulators, saying why and without the secret", () => {
    const regions = "cloud:\n  regions:\n    eu: {clientId: cid, clientSecret: TOPSECRET}\n";
    const organization = "cloud:\n  organization: {clientId: org, clientSecret: TOPSECRET, subscriptionId: sub}\n";
    for (const [env, yaml, named] of [
      [{ QOEM_EMULATORS: "1" }, regions, "cloud.regions"],
      [{ QOEM_EMULATORS: "true", SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s" }, organization, "cloud.organization"],
      [{ QOEM_EMULATOR_URL: "http://127.0.0.1:4010" }, regions, "cloud.regions"],
    ] as const) {
      let message = "";
      try {
        readConfig({ QOEM_CONFIG: "/etc/qoem/qoem.yaml", ...env }, file(yaml));
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        message = (e as Error).message;
      }
      expect(message).toMatch(/^(QOEM_EMULATORS=1|QOEM_EMULATOR_URL) and Qlik Cloud credentials \(/);
      expect(message).toContain(`${named} in /etc/qoem/qoem.yaml`);
      expect(message).toContain("the credentials would go unused");
      expect(message).not.toContain("TOPSECRET");
    }
    // Without the emulators the same file starts; a client-managed site may sit beside the emulators.
    expect(readConfig({ QOEM_CONFIG: "x", QOEM_EMULATORS: "0" }, file(regions)).cloud.regions.eu?.clientId).toBe("cid");
    expect(readConfig({ QOEM_CONFIG: "x", QOEM_EMULATORS: "1" }, file("sites:\n  onprem: {engineUrl: \"wss://qs.example\", qrsUrl: \"https://qs.example:4242\"}\n")).emulators.embedded).toBe(true);
  });

  it("accepts the compose example config, in Slack mode and without emulators", () => {
    const example = fileURLToPath(new URL("../../deploy/config/qoem.example.yaml", import.meta.url));
    const c = readConfig({ QOEM_CONFIG: example, SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s" });
    expect(Object.keys(c.cloud.regions)).toEqual(["eu"]);
    expect(c.emulators).toEqual({ embedded: false });
    expect(() => readConfig({ QOEM_CONFIG: example, QOEM_EMULATOR_URL: "http://emulator:4010" })).toThrow(/cannot go together/);
  });

  it("refuses bad environment values with the variable's name", () => {
    expect(() => readConfig({ QOEM_ROLES: "chat,cook" })).toThrow(/QOEM_ROLES/);
    expect(() => readConfig({ REDIS_URL: "http://x" })).toThrow(/REDIS_URL/);
    expect(() => readConfig({ SLACK_BOT_TOKEN: "xoxb-1" })).toThrow(/go together/);
  });

  it("never echoes a value: a typo that makes a secret a key, YAML syntax errors, wrong types, enums, patterns", () => {
    const SECRET = "Zq9-secret-value";
    const failures: Array<[config: string, env: Record<string, string>, field: RegExp]> = [
      ["cloud: { regions: { eu: { clientId: x, clientSecret abc } } }\n", {}, /cloud\.regions\.eu\.clientSecret/],
      [`cloud: { regions: { eu: { clientId: x, clientSecret ${SECRET} } } }\n`, {}, /cloud\.regions\.eu: unknown key \(a key not shown\)/],
      [`cloud:\n  regions:\n    eu:\n      clientId: x\n      clientSecret ${SECRET}\n`, {}, /not valid YAML or JSON \(.* at line 5, column 7\)/],
      [`cloud:\n  regions:\n    eu: {clientId: x, clientSecret: "${SECRET}\n`, {}, /not valid YAML or JSON \(.* at line \d+, column \d+\)/],
      ["cloud:\n  regions:\n    eu: {clientId: x, clientSecret: 931274650}\n", {}, /cloud\.regions\.eu\.clientSecret: .*expected string/],
      [`cloud:\n  identity:\n    oidc: {provider: ${SECRET}, discoveryUrl: "https://idp.example", clientId: a, clientSecret: b}\n`, {}, /cloud\.identity\.oidc\.provider/],
      [`cloud:\n  monitoring: {webhookUrl: ${SECRET}}\n`, {}, /cloud\.monitoring\.webhookUrl/],
      [`cloud:\n  monitoring: {webhookUrl: "https://qoem.example.com/hook", secret: ${SECRET}}\n`, {}, /cloud\.monitoring\.secret: Qlik takes a webhook secret of 32 to 64 characters/],
      ["cloud:\n  monitoring: {webhookUrl: \"http://qoem.example.com/hook\"}\n", {}, /cloud\.monitoring\.webhookUrl: Qlik calls webhooks over https only/],
      [`roles:\n  approvers: [${SECRET}]\n`, {}, /roles\.approvers\[0\]: must be a Slack user/],
      [`sites:\n  ${SECRET}: {engineUrl: "wss://x", qrsUrl: "https://x"}\n`, {}, /sites\.\(a key not shown\)/],
      ["{}\n", { SLACK_APP_TOKEN: `xoxp-${SECRET}` }, /environment SLACK_APP_TOKEN: must be an app-level token/],
      ["{}\n", { REDIS_URL: `http://user:${SECRET}@redis` }, /environment REDIS_URL/],
    ];
    for (const [text, env, field] of failures) {
      let message = "";
      try {
        readConfig({ QOEM_CONFIG: "/etc/qoem.yaml", ...env }, file(text));
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        message = (e as Error).message;
      }
      expect(message, text).toMatch(field);
      expect(message, text).not.toContain(SECRET);
      expect(message, text).not.toMatch(/\babc\b|931274650/);
    }
  });
});

describe("files named in the config", () => {
  const dir = mkdtempSync(join(tmpdir(), "qoem-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const PEM = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n";
  const key = join(dir, "jwt.pem");
  const logo = join(dir, "logo.png");
  writeFileSync(key, PEM);
  writeFileSync(logo, "PNG-BYTES");
  mkdirSync(join(dir, "a-directory"));
  const site = (jwtPublicKey: string) => `sites:\n  onprem-fra: {engineUrl: "wss://qs.example", qrsUrl: "https://qs.example:4242", jwtPublicKey: "${jwtPublicKey}"}\n`;
  const brand = (files: string) => `cloud:\n  branding:\n    default: {logo: "${logo}"}\n    customers:\n      acme: {${files}}\n`;
  const read = (yaml: string) => {
    const path = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(path, yaml);
    return () => readConfig({ QOEM_CONFIG: path, QOEM_EMULATORS: "1" });
  };

  it("starts when every named file can be read", () => {
    expect(read(site(key) + brand(`logo: "${logo}", favIcon: "${logo}", styles: "${logo}"`))().sites["onprem-fra"]!.jwtPublicKey).toBe(key);
  });

  it("refuses a site's jwtPublicKey that cannot be read, naming the field and the file", () => {
    const missing = join(dir, "missing.pem");
    expect(read(site(missing))).toThrow(ConfigError);
    expect(read(site(missing))).toThrow(`sites.onprem-fra.jwtPublicKey: file ${missing} cannot be read (ENOENT)`);
    expect(read(site(join(dir, "a-directory")))).toThrow(/sites\.onprem-fra\.jwtPublicKey: file .*a-directory cannot be read \(EISDIR\)/);
  });

  it("refuses a brand's logo, favIcon or styles that cannot be read, without printing any file's content", () => {
    for (const field of ["logo", "favIcon", "styles"]) {
      const missing = join(dir, `missing-${field}`);
      let message = "";
      try {
        read(site(key) + brand(`${field}: "${missing}"`))();
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        message = (e as Error).message;
      }
      expect(message).toContain(`cloud.branding.customers.acme.${field}: file ${missing} cannot be read`);
      expect(message).not.toMatch(/BEGIN PUBLIC KEY|PNG-BYTES/);
    }
    expect(read(`cloud:\n  branding:\n    default: {styles: "${join(dir, "nope.json")}"}\n`)).toThrow(/cloud\.branding\.default\.styles: file .*nope\.json cannot be read/);
  });
});
