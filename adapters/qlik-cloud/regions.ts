/**
 * Qlik Cloud region codes (the `<region>` of `<tenant>.<region>.qlikcloud.com`) and the datacenter
 * each sends on tenant creation. The datacenter of `ap` and `sg` follows Qlik's specification and
 * @qlik/api 2.19 (ap -> ap-southeast-1, sg -> ap-southeast-2), the reverse of AWS naming; the config
 * may override any of them. Only the datacenters Qlik's specification lists for tenant creation
 * (TenantCreationRequest.datacenter) are creatable; the other regions exist but a tenant cannot be
 * made there by API until Qlik lists them (a test compares this table with the vendored specification).
 */
export interface RegionInfo {
  code: string;
  datacenter: string;
  location: string;
  /** Whether Qlik's tenant API creates tenants in this datacenter. */
  creatable: boolean;
}

export const cloudRegions: readonly RegionInfo[] = [
  { code: "us", creatable: true, datacenter: "us-east-1", location: "United States (N. Virginia)" },
  { code: "eu", creatable: true, datacenter: "eu-west-1", location: "Ireland" },
  { code: "de", creatable: true, datacenter: "eu-central-1", location: "Germany (Frankfurt)" },
  { code: "uk", creatable: true, datacenter: "eu-west-2", location: "United Kingdom (London)" },
  { code: "jp", creatable: true, datacenter: "ap-northeast-1", location: "Japan (Tokyo)" },
  { code: "ap", creatable: true, datacenter: "ap-southeast-1", location: "Australia" },
  { code: "sg", creatable: true, datacenter: "ap-southeast-2", location: "Singapore" },
  { code: "in", creatable: false, datacenter: "ap-south-1", location: "India (Mumbai)" },
  { code: "fr", creatable: false, datacenter: "eu-west-3", location: "France (Paris)" },
  { code: "il", creatable: false, datacenter: "il-central-1", location: "Israel (Tel Aviv)" },
  { code: "ae", creatable: false, datacenter: "me-central-1", location: "United Arab Emirates" },
];

export const cloudRegionCodes: readonly string[] = cloudRegions.map((r) => r.code);
export const creatableRegionCodes: readonly string[] = cloudRegions.filter((r) => r.creatable).map((r) => r.code);

export function findRegion(code: string): RegionInfo | undefined {
  return cloudRegions.find((r) => r.code === code);
}

export const registerHost = (region: string) => `register.${region}.qlikcloud.com`;
export const organizationHost = "console.qlikcloud.com";
export const customerHostname = (customer: string, region: string) => `${customer}.${region}.qlikcloud.com`;
