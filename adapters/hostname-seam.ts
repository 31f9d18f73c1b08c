/**
 * The one seam between production and emulation: a Qlik hostname to the base URL to call.
 * Production: `acme.eu.qlikcloud.com` -> `https://acme.eu.qlikcloud.com`. Emulated: every host is a
 * path prefix on one emulator port, `http://127.0.0.1:4010/acme.eu.qlikcloud.com` (@qlik/api
 * accepts a host with a path prefix), so no other code path differs.
 */
export type HostResolver = (hostname: string) => string;

export const productionHosts: HostResolver = (hostname) => `https://${hostname}`;

export function emulatedHosts(emulatorUrl: string): HostResolver {
  const base = emulatorUrl.replace(/\/+$/, "");
  return (hostname) => `${base}/${hostname}`;
}
