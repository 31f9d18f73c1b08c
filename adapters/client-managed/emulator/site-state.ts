// The client-managed emulator's world, shared by its QRS and its engine: apps, streams, custom
// properties, security rules, virtual proxies, reload tasks, service status and engine health.
import { randomUUID } from "node:crypto";

export interface CustomPropertyValue { value: string; definition: { id: string; name: string } }
export interface Owner { id: string; userId: string; userDirectory: string; name: string }

interface Entity { id: string; createdDate: string; modifiedDate: string; modifiedByUserName: string }
export interface QrsStream extends Entity { name: string; customProperties: CustomPropertyValue[]; tags: unknown[]; owner: Owner }
/** A tag as an entity refers to it (QRS's TagCondensed). */
export interface TagRef { id: string; name: string; privileges: null }
export interface QrsTag extends Entity { name: string }
export interface QrsApp extends Entity { name: string; appId: string; published: boolean; publishTime: string; stream: { id: string; name: string } | null; customProperties: CustomPropertyValue[]; tags: TagRef[]; owner: Owner; fileSize: number; lastReloadTime: string; content: string; /** The app's variables, as the engine set them. */ variables?: Record<string, string>; /** Emulator count: how many times a replace overwrote this app. */ replaced?: number }
export interface QrsDefinition extends Entity { name: string; valueType: string; choiceValues: string[]; objectTypes: string[]; description: string }
export interface QrsRule extends Entity { name: string; category: string; type: string; rule: string; resourceFilter: string; actions: number; ruleContext: number; disabled: boolean; comment: string }
export interface QrsVirtualProxy extends Entity { prefix: string; description: string; authenticationMethod: number; sessionCookieHeaderName: string; sessionInactivityTimeout: number; defaultVirtualProxy: boolean; jwtPublicKeyCertificate: string; jwtAttributeUserId: string; jwtAttributeUserDirectory: string; loadBalancingServerNodes: Array<{ id: string }>; websocketCrossOriginWhiteList: string[] }
export interface ServerNode { id: string; name: string; hostName: string }
export interface QrsProxyService extends Entity { settings: { virtualProxies: Array<{ id: string }> }; serverNodeConfiguration: ServerNode }
export interface QrsEngineService { id: string; serverNodeConfiguration: ServerNode }
export interface QrsReloadTask extends Entity { name: string; app: { id: string; name: string }; enabled: boolean; lastStatus: number; lastStopTime: string; lastMessage: string }

export interface EngineHealthKnobs { saturated: boolean; cpuTotal: number; memFreeMB: number; totalPhysicalMB: number; down: boolean }

export const TEMPLATE_STREAM = "OEM templates";
export const defaultSiteTemplates = ["Sales Overview", "Operations Monitor"];

export class SiteState {
  readonly streams = new Map<string, QrsStream>();
  readonly apps = new Map<string, QrsApp>();
  readonly definitions = new Map<string, QrsDefinition>();
  readonly tags = new Map<string, QrsTag>();
  readonly rules = new Map<string, QrsRule>();
  readonly virtualProxies = new Map<string, QrsVirtualProxy>();
  readonly proxyServices = new Map<string, QrsProxyService>();
  readonly reloadTasks = new Map<string, QrsReloadTask>();
  /** Export tickets by token: the app and the file name its download path carries. */
  readonly exports = new Map<string, { appId: string; fileName: string }>();
  readonly services: Array<{ id: string; serviceType: number; serviceState: number }> = [0, 1, 2, 3].map((t) => ({ id: randomUUID(), serviceType: t, serviceState: 2 }));
  /** Emulator knob: reloads of apps published in these streams fail (customers whose data does not fit a new version). */
  readonly reloadsFailIn = new Set<string>();
  health: EngineHealthKnobs = { saturated: false, cpuTotal: 3, memFreeMB: 20_480, totalPhysicalMB: 32_768, down: false };
  /** The site's one (central) node: it runs the proxy and the engine. */
  readonly node: ServerNode = { id: randomUUID(), name: "Central", hostName: "qlik-central.local" };
  readonly engineServices: QrsEngineService[] = [{ id: randomUUID(), serverNodeConfiguration: this.node }];
  readonly owner: Owner = { id: randomUUID(), userId: "sa_repository", userDirectory: "INTERNAL", name: "sa_repository" };
  readonly started = new Date().toISOString();

  constructor(templates: string[] = defaultSiteTemplates) {
    const proxy = this.stamp({ settings: { virtualProxies: [] }, serverNodeConfiguration: this.node });
    this.proxyServices.set(proxy.id, proxy);
    const stream = this.addStream(TEMPLATE_STREAM, []);
    for (const name of templates) {
      const app = this.addApp(name, `QVF template ${name}\n${"x".repeat(1024)}`);
      this.publish(app, stream);
    }
  }

  stamp<T extends object>(fields: T, id: string = randomUUID()): T & Entity {
    const now = new Date().toISOString();
    return { id, createdDate: now, modifiedDate: now, modifiedByUserName: "INTERNAL\\sa_repository", ...fields };
  }

  touch(entity: Entity): void {
    // Strictly increasing, so an update with a stale modifiedDate is always caught.
    const now = Date.now();
    const previous = Date.parse(entity.modifiedDate);
    entity.modifiedDate = new Date(Math.max(now, previous + 1)).toISOString();
  }

  addStream(name: string, customProperties: CustomPropertyValue[]): QrsStream {
    const stream = this.stamp({ name, customProperties, tags: [], owner: this.owner });
    this.streams.set(stream.id, stream);
    return stream;
  }

  addApp(name: string, content: string): QrsApp {
    const id = randomUUID();
    const app = this.stamp({ name, appId: "", published: false, publishTime: "1753-01-01T00:00:00.000Z", stream: null, customProperties: [], tags: [], owner: this.owner, fileSize: content.length, lastReloadTime: "", content }, id);
    this.apps.set(id, app);
    return app;
  }

  publish(app: QrsApp, stream: QrsStream, name?: string): void {
    app.published = true;
    app.publishTime = new Date().toISOString();
    app.stream = { id: stream.id, name: stream.name };
    if (name) app.name = name;
    this.touch(app);
  }
}
