// A seeded generator of malformed command text: every line it makes must be refused by the parser.
const verbs = ["onboard", "offboard", "reactivate", "health", "status", "list", "audit", "help"];

export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hostileNames = [
  "Acme",
  "ACME",
  "acme;rm -rf /",
  "acme' OR '1'='1",
  "acme\" OR \"1\"=\"1",
  "$(reboot)",
  "`id`",
  "../../etc/passwd",
  "<@U0ADMIN>",
  "<!channel>",
  "{qoem}:customer:other",
  "acme*",
  "acme?",
  "acme)(|(name=*)",
  "name eq \"x\" or 1",
  "acmé",
  "客户",
  "🚀rocket",
  "9acme",
  "-acme",
  "acme-",
  "ac--me",
  "a",
  "all",
  "acme%00",
  "acme\u0000x",
  "acme\u202eevil",
  "acme\tx",
  "__proto__",
  "constructor.prototype",
];

export function malformedCommands(count: number, seed = 42): string[] {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const randomText = (len: number, alphabet: string) => Array.from({ length: len }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join("");
  const garbageAlphabet = "abcXYZ019 !@#$%^&*()[]{};:'\",.<>/?\\|`~éß中🚀\u200b\u0007";
  const longName = () => randomText(41 + Math.floor(rnd() * 400), "abcdefghijklmnopqrstuvwxyz");
  const badRegion = () => pick(["mars", "europe", "us-east-1", "EU-WEST", "eu1", "ue", "onprem-zzz", "*", "eu;us", randomText(5, "qwxyz")]);
  const makers: Array<() => string> = [
    () => `${pick(["deploy", "create", "delete", "rm", "sudo", "onbaord", "stat", "lists"])} ${randomText(8, garbageAlphabet)}`,
    () => `${randomText(1, "!@#$%^&*()[]{}<>?0123456789")}${randomText(10 + Math.floor(rnd() * 30), garbageAlphabet)}`,
    () => `onboard ${pick(hostileNames)} eu`,
    () => `offboard ${pick(hostileNames)}`,
    () => `status ${pick(hostileNames)}`,
    () => `onboard ${longName()} eu`,
    () => `onboard acme ${badRegion()}`,
    () => `onboard "acme eu`,
    () => `onboard acme eu --template 'unclosed`,
    () => `onboard acme eu --${pick(["force", "region", "purge-after", "colour", "features=", "template="])}`,
    () => `onboard acme eu --features ${pick(["teleport", "ai,teleport", ",", "reporting;ai", "REPORTING AI"])}`,
    () => `onboard acme eu ${pick(["extra", "us", "--dry-run --dry-run", "--template a/b", "--template a:b"])}`,
    () => `offboard acme --purge-after ${pick(["0", "-1", "91", "1e3", "ten", "3.5", "", "999999999999"])}`,
    () => `${pick(verbs.filter((v) => v !== "help" && v !== "health" && v !== "list" && v !== "audit"))}`,
    () => `list --status ${pick(["sleeping", "ACTIVE!", "*"])}`,
    () => `list --region ${badRegion()}`,
    () => `list ${pick(["acme", "eu", "--all"])}`,
    () => `help ${pick(["teleport", "me please", "--verbose"])}`,
    () => `health acme extra`,
    () => `audit ${pick(hostileNames)}`,
    () => pick(["", "   ", "\t", "\n", "/qoem", "''", '""']),
    () => `onboard ${randomText(1200, "abc ")}`,
    () => `reactivate ${pick(hostileNames)}`,
  ];
  return Array.from({ length: count }, (_, i) => makers[i % makers.length]!());
}
