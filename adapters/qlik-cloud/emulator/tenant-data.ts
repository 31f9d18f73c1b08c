// What lives inside one emulated tenant: settings, groups, identity providers, spaces, apps, brands, webhooks, reloads.
import { randomId } from "./http-kit.ts";

export interface EmuSpace { id: string; name: string; type: "shared" | "managed" | "data"; description: string; ownerId: string; tenantId: string; createdAt: string; updatedAt: string; }
export interface EmuAssignment { id: string; spaceId: string; tenantId: string; type: string; assigneeId: string; roles: string[]; createdAt: string; }
export interface EmuApp { id: string; name: string; description: string; spaceId?: string; published: boolean; publishTime?: string; originAppId?: string; content: Buffer; createdDate: string; modifiedDate: string; ownerId: string; lastReloadTime?: string; /** Emulator count: how many times a republish replaced this app's content. */ republished?: number; /** Its tags as items show them (meta.tags: id and name, Qlik's itemTagResponseBody); set by a test, as Qlik's specification has no endpoint that tags an app. */ tags?: Array<{ id: string; name: string }>; /** Emulator knob: its reloads fail (its data does not fit), as a tenant's `reloadsFail` does for every app. */ reloadsFail?: boolean; }
export interface EmuIdp { id: string; protocol: string; provider: string; active: boolean; interactive: boolean; description: string; tenantIds: string[]; options: Record<string, unknown>; pendingOptions?: Record<string, unknown>; pendingState?: "verified" | "pending" | "error"; pendingResult?: { status: string }; created: string; lastUpdated: string; }
export interface EmuBrand { id: string; name: string; description: string; active: boolean; files: Array<{ id: string; path: string; contentType: string; eTag: string }>; createdAt: string; updatedAt: string; }
export interface EmuWebhook { id: string; name: string; url: string; eventTypes: string[]; enabled: boolean; description: string; filter?: string; level: string; secretKeyAdded: boolean; createdAt: string; }
export interface EmuReload { id: string; appId: string; tenantId: string; userId: string; status: string; type: string; partial: boolean; creationTime: string; startTime: string; endTime: string; errorCode?: string; errorMessage?: string; variables?: Record<string, string>; }
export interface EmuGroup { id: string; name: string; status: string; createdAt: string; lastUpdatedAt: string; }
/** A user of the tenant; an OAuth client acts as a bot user of its own, a tenant admin. `groupIds`: the groups it belongs to (its assignedGroups). */
export interface EmuUser { id: string; subject: string; name: string; email?: string; tenantId: string; status: "active"; roles: string[]; groupIds: string[]; createdAt: string; lastUpdatedAt: string; }

/**
 * The tenant's collaboration features as its settings endpoints report them (notes, sharing and
 * report subscriptions, data alerts), all on in a new tenant. `notesLocked`: the notes toggle cannot
 * be changed through the API (GET answers reason "deployment"), as when the deployment decides it.
 */
export interface EmuCollaboration { notes: boolean; notesLocked: boolean; sharing: boolean; reportSubscription: boolean; reportingTemplateSubscription: boolean; dataAlerts: boolean; }

export class TenantData {
  licenseSettings = { autoAssignProfessional: false, autoAssignAnalyzer: false };
  groupSettings = { autoCreateGroups: false, syncIdpGroups: false };
  /** The licence's parameter sets, in the shape of Qlik's LicenseOverview (its example: qlikAlerting). */
  licenseParameters: Array<{ name: string; valid: string; values: Record<string, string> }> = [{ name: "qlikAlerting", valid: "./.", values: { saas_alerting: "FULL" } }];
  licenseUnits = { professional: { units: 50, unitsUsed: 0 }, analyzer: { units: 500, unitsUsed: 0 } };
  collaboration: EmuCollaboration = { notes: true, notesLocked: false, sharing: true, reportSubscription: true, reportingTemplateSubscription: true, dataAlerts: true };
  readonly groups = new Map<string, EmuGroup>();
  readonly idps = new Map<string, EmuIdp>();
  readonly spaces = new Map<string, EmuSpace>();
  readonly assignments = new Map<string, EmuAssignment[]>();
  readonly apps = new Map<string, EmuApp>();
  readonly tempContents = new Map<string, Buffer>();
  readonly brands = new Map<string, EmuBrand>();
  readonly webhooks = new Map<string, EmuWebhook>();
  readonly reloads: EmuReload[] = [];
  readonly users = new Map<string, EmuUser>();
  private readonly botUsers = new Map<string, string>();

  constructor(readonly tenantId: string) {}

  addUser(name: string, subject: string, roles: string[] = [], extra: { email?: string; groupIds?: string[] } = {}): EmuUser {
    const now = new Date().toISOString();
    const user: EmuUser = { id: randomId(24, "0123456789abcdef"), subject, name, ...(extra.email ? { email: extra.email } : {}), tenantId: this.tenantId, status: "active", roles, groupIds: extra.groupIds ?? [], createdAt: now, lastUpdatedAt: now };
    this.users.set(user.id, user);
    return user;
  }

  /** The bot user an OAuth client acts as in this tenant (created on its first call), with the TenantAdmin role. */
  botFor(clientId: string): EmuUser {
    const known = this.botUsers.get(clientId);
    if (known) return this.users.get(known)!;
    const bot = this.addUser(clientId, `qlikbot\\${clientId}`, ["TenantAdmin"]);
    this.botUsers.set(clientId, bot.id);
    return bot;
  }

  /** What an administrator's successful test and "promote-options" do: pending settings become the IdP's options, and it is active. */
  verifyPendingIdps(): void {
    for (const idp of this.idps.values()) {
      if (idp.pendingState !== "pending" || !idp.pendingOptions) continue;
      idp.options = { ...idp.pendingOptions };
      delete idp.pendingOptions;
      idp.pendingState = "verified";
      idp.pendingResult = { status: "success" };
      idp.active = true;
      idp.lastUpdated = new Date().toISOString();
    }
  }

  /** The group by name, made as an identity provider's login makes it (auto-created groups). */
  groupNamed(name: string): EmuGroup {
    const found = [...this.groups.values()].find((g) => g.name === name);
    if (found) return found;
    const now = new Date().toISOString();
    const group: EmuGroup = { id: randomId(24, "0123456789abcdef"), name, status: "active", createdAt: now, lastUpdatedAt: now };
    this.groups.set(group.id, group);
    return group;
  }

  addSpace(name: string, type: EmuSpace["type"], ownerId = "emulator"): EmuSpace {
    const now = new Date().toISOString();
    const space: EmuSpace = { id: randomId(24, "0123456789abcdef"), name, type, description: "", ownerId, tenantId: this.tenantId, createdAt: now, updatedAt: now };
    this.spaces.set(space.id, space);
    return space;
  }

  addApp(name: string, spaceId: string | undefined, content: Buffer, extra: Partial<EmuApp> = {}): EmuApp {
    const now = new Date().toISOString();
    const app: EmuApp = { id: crypto.randomUUID(), name, description: "", published: false, content, createdDate: now, modifiedDate: now, ownerId: "emulator", ...(spaceId ? { spaceId } : {}), ...extra };
    this.apps.set(app.id, app);
    return app;
  }

  addReload(appId: string, status: string, ageMs: number, errorMessage?: string): EmuReload {
    const at = new Date(Date.now() - ageMs).toISOString();
    const reload: EmuReload = { id: randomId(24, "0123456789abcdef"), appId, tenantId: this.tenantId, userId: "emulator-scheduler", status, type: "chronos", partial: false, creationTime: at, startTime: at, endTime: at, ...(errorMessage ? { errorCode: "EngineReloadError", errorMessage } : {}) };
    this.reloads.push(reload);
    return reload;
  }
}

/** The JSON that Qlik answers for an app (NxApp). */
export function nxApp(app: EmuApp) {
  return {
    attributes: {
      id: app.id,
      name: app.name,
      description: app.description,
      ...(app.spaceId ? { spaceId: app.spaceId } : {}),
      ownerId: app.ownerId,
      createdDate: app.createdDate,
      modifiedDate: app.modifiedDate,
      ...(app.lastReloadTime ? { lastReloadTime: app.lastReloadTime } : {}),
      ...(app.publishTime ? { publishTime: app.publishTime } : {}),
      published: app.published,
      originAppId: app.originAppId ?? "",
      usage: "ANALYTICS",
      hasSectionAccess: false,
      encrypted: true,
      thumbnail: "",
      custom: {},
    },
    privileges: ["read", "update", "delete", "reload", "export", "publish", "duplicate"],
    create: [],
  };
}
