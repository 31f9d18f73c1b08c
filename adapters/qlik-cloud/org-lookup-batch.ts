/**
 * The tenant step's question "does a tenant already carry this customer's name or hostname?",
 * asked of the organisation listing by many onboards at once, answered with few listing calls:
 * the questions asked within a short gathering time, or while an earlier call is still out
 * (waiting for the organisation host's rate limit included), go out together as one SCIM filter
 * `name eq "a" or hostnames eq "a.eu.qlikcloud.com" or name eq "b" or ...` (at most `maxPerCall`
 * customers and `maxFilterChars` of filter a call), and each asker gets the tenants that match its
 * own name or hostname. A call is only ever sent after every question it answers was asked, so an
 * answer is never older than its question: a retried onboard still finds the tenant an earlier
 * attempt made. A call that fails fails each of its askers with the reason; one Qlik refuses as
 * malformed (400) is split in halves and sent again, so one bad question never fails the others.
 */
import { QoemError, permanent } from "../port.ts";
import { OrgRequestRefused, scimString, type OrgTenant } from "./org-tenants.ts";

export interface TenantLookup {
  /** The tenant name looked for (the customer's name). */
  name: string;
  /** The hostname looked for among each tenant's hostnames (the customer's alias). */
  hostname: string;
}

export interface OrgLookupBatchOptions {
  /** Customers one listing call asks about (default 50). */
  maxPerCall?: number;
  /** The longest filter one call sends, in characters before URL encoding (default 3,000: the URL stays well under 8 KB). */
  maxFilterChars?: number;
  /** How long the first question waits for others before its call goes out (default 25 ms). */
  gatherMs?: number;
  /** Listing calls out at once (default 1); questions asked meanwhile wait for the next call. */
  maxInFlight?: number;
}

interface Waiter {
  lookup: TenantLookup;
  clause: string;
  resolve(tenants: OrgTenant[]): void;
  reject(error: unknown): void;
}

const JOIN = " or ";
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export class OrgLookupBatch {
  private readonly maxPerCall: number;
  private readonly maxFilterChars: number;
  private readonly gatherMs: number;
  private readonly maxInFlight: number;
  private pending: Waiter[] = [];
  private inFlight = 0;
  private gathering: NodeJS.Timeout | undefined;
  /** Listing calls sent (splits after a refusal included). */
  calls = 0;

  /** `list` answers a SCIM filter with every matching tenant (the organisation listing, all pages). */
  constructor(private readonly list: (filter: string) => Promise<OrgTenant[]>, options: OrgLookupBatchOptions = {}) {
    this.maxPerCall = options.maxPerCall ?? 50;
    this.maxFilterChars = options.maxFilterChars ?? 3_000;
    this.gatherMs = options.gatherMs ?? 25;
    this.maxInFlight = options.maxInFlight ?? 1;
    if (!Number.isInteger(this.maxPerCall) || this.maxPerCall < 1) throw new RangeError("maxPerCall is a whole number of 1 or more");
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) throw new RangeError("maxInFlight is a whole number of 1 or more");
  }

  /** The tenants (any status) named `lookup.name` or carrying `lookup.hostname`. */
  find(lookup: TenantLookup): Promise<OrgTenant[]> {
    if (!lookup.name.trim() || !lookup.hostname.trim()) {
      return Promise.reject(permanent(`looking a tenant up in the organisation listing needs a name and a hostname (got '${lookup.name}', '${lookup.hostname}')`));
    }
    const clause = `name eq ${scimString(lookup.name)}${JOIN}hostnames eq ${scimString(lookup.hostname)}`;
    if (clause.length > this.maxFilterChars) {
      return Promise.reject(permanent(`looking up tenant '${lookup.name.slice(0, 60)}…': the name and hostname make a filter of ${clause.length} characters, more than the ${this.maxFilterChars} a listing call sends`));
    }
    return new Promise<OrgTenant[]>((resolve, reject) => {
      this.pending.push({ lookup, clause, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.gathering || this.inFlight >= this.maxInFlight || !this.pending.length) return;
    this.gathering = setTimeout(() => {
      this.gathering = undefined;
      this.sendWhatWaits();
    }, this.gatherMs);
  }

  private sendWhatWaits(): void {
    while (this.inFlight < this.maxInFlight && this.pending.length) {
      const batch = this.takeBatch();
      this.inFlight++;
      void this.answer(batch).finally(() => {
        this.inFlight--;
        // Whoever asked while this call was out has waited long enough: their call goes now.
        this.sendWhatWaits();
      });
    }
  }

  /** The oldest questions, as many as one call takes by count and by filter length. */
  private takeBatch(): Waiter[] {
    let chars = 0;
    let n = 0;
    for (const w of this.pending) {
      const added = (n ? JOIN.length : 0) + w.clause.length;
      if (n >= this.maxPerCall || (n > 0 && chars + added > this.maxFilterChars)) break;
      chars += added;
      n++;
    }
    return this.pending.splice(0, n);
  }

  private async answer(batch: Waiter[]): Promise<void> {
    let found: OrgTenant[];
    try {
      this.calls++;
      found = await this.list(batch.map((w) => w.clause).join(JOIN));
    } catch (error) {
      if (batch.length > 1 && error instanceof OrgRequestRefused && error.status === 400) {
        // Qlik refused the filter itself: each half again, so only the question at fault fails.
        const half = Math.ceil(batch.length / 2);
        await this.answer(batch.slice(0, half));
        await this.answer(batch.slice(half));
        return;
      }
      for (const w of batch) w.reject(explain(error, w.lookup, batch.length));
      return;
    }
    for (const w of batch) {
      w.resolve(found.filter((t) => same(t.name, w.lookup.name) || t.hostnames.some((h) => same(h, w.lookup.hostname))));
    }
  }
}

/** The call's error, saying which lookup it was and that it was shared; its kind (retryable or not) and Retry-After kept. */
function explain(error: unknown, lookup: TenantLookup, shared: number): unknown {
  if (!(error instanceof QoemError)) return error;
  const call = shared > 1 ? `one listing call for ${shared} customers` : "one listing call";
  return new QoemError(error.code, `looking up the tenant named '${lookup.name}' in the organisation listing (${call}): ${error.message}`, {
    ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    cause: error,
  });
}
