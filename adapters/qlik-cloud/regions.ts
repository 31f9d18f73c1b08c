/**
 * Qlik Cloud region codes (the `<region>` of `<tenant>.<region>.qlikcloud.com`) and the datacenter
 * each sends on tenant creation. The datacenter of `ap` and `sg` follows @qlik/api 2.19's own
 * tenant-creation documentation (ap -> ap-southeast-1, sg -> ap-southeast-2), which is the reverse
 * of AWS naming; the config may override any of them.
 */
export interface RegionInfo {
  code: string;
  datacenter: string;
  location: string;
}

export const cloudRegions: readonly RegionInfo[] = [
  { code: "us", datacenter: "us-east-1", location: "United States (N. Virginia)" },
  { code: "eu", datacenter: "eu-west-1", location: "Ireland" },
  { code: "de", datacenter: "eu-central-1", location: "Germany (Frankfurt)" },
  { code: "uk", datacenter: "eu-west-2", location: "United Kingdom (London)" },
  { code: "jp", datacenter: "ap-northeast-1", location: "Japan (Tokyo)" },
  { code: "ap", datacenter: "ap-southeast-1", location: "Australia" },
  { code: "sg", datacenter: "ap-southeast-2", location: "Singapore" },
  { code: "in", datacenter: "ap-south-1", location: "India (Mumbai)" },
  { code: "fr", datacenter: "eu-west-3", location: "France (Paris)" },
  { code: "il", datacenter: "il-central-1", location: "Israel (Tel Aviv)" },
  { code: "ae", datacenter: "me-central-1", location: "United Arab Emirates" },
];

export const cloudRegionCodes: readonly string[] = cloudRegions.map((r) => r.code);

export function findRegion(code: string): RegionInfo | undefined {
  return cloudRegions.find((r) => r.code === code);
}

export const registerHost = (region: string) => `register.${region}.qlikcloud.com`;
export const organizationHost = "console.qlikcloud.com";
export const customerHostname = (customer: string, region: string) => `${customer}.${region}.qlikcloud.com`;
