// Files the config names (a site's certificates and JWT key, the cloud brands' logo, favicon and styles) must be readable at start.
import { fieldPath } from "./describe-config-issues.ts";

interface FileFields {
  cloud?: { branding?: { default?: BrandFiles; customers: Record<string, BrandFiles> } | undefined } | undefined;
  sites: Record<string, { cert?: string | undefined; key?: string | undefined; ca?: string | undefined; jwtPublicKey?: string | undefined }>;
}
interface BrandFiles {
  logo?: string | undefined;
  favIcon?: string | undefined;
  styles?: string | undefined;
}

/** Reads each named file (its content is neither kept nor shown); returns the first that cannot be read, by field and path. */
export function checkConfigFiles(config: FileFields, readFile: (path: string) => unknown): string | undefined {
  const named: Array<[field: PropertyKey[], path: string | undefined]> = [];
  for (const [name, site] of Object.entries(config.sites)) {
    for (const field of ["cert", "key", "ca", "jwtPublicKey"] as const) named.push([["sites", name, field], site[field]]);
  }
  const branding = config.cloud?.branding;
  const brands: Array<[PropertyKey[], BrandFiles | undefined]> = [[["cloud", "branding", "default"], branding?.default], ...Object.entries(branding?.customers ?? {}).map(([c, b]): [PropertyKey[], BrandFiles] => [["cloud", "branding", "customers", c], b])];
  for (const [where, brand] of brands) for (const field of ["logo", "favIcon", "styles"] as const) named.push([[...where, field], brand?.[field]]);
  for (const [field, path] of named) {
    if (!path) continue;
    try {
      readFile(path);
    } catch (err) {
      return `${fieldPath(field)}: file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})`;
    }
  }
  return undefined;
}
