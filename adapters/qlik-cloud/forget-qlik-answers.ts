/**
 * @qlik/api keeps every GET answer in a module-level cache (keyed by URL, query and host config, token
 * included), even when asked with `noCache`, which only skips reading it. qoem never reads it (every
 * call says noCache: health wants what Qlik says now), so over a sweep of thousands of tenants, and as
 * tokens rotate, it would only grow. This empties it for every API family qoem calls.
 */
import { clearCache as apps } from "@qlik/api/apps";
import { clearCache as brands } from "@qlik/api/brands";
import { clearCache as groups } from "@qlik/api/groups";
import { clearCache as identityProviders } from "@qlik/api/identity-providers";
import { clearCache as items } from "@qlik/api/items";
import { clearCache as licenses } from "@qlik/api/licenses";
import { clearCache as reloads } from "@qlik/api/reloads";
import { clearCache as spaces } from "@qlik/api/spaces";
import { clearCache as tempContents } from "@qlik/api/temp-contents";
import { clearCache as tenants } from "@qlik/api/tenants";
import { clearCache as users } from "@qlik/api/users";
import { clearCache as webhooks } from "@qlik/api/webhooks";

const families = [apps, brands, groups, identityProviders, items, licenses, reloads, spaces, tempContents, tenants, users, webhooks];

/** Drops every answer @qlik/api holds (cheap: each family's cache is replaced by an empty one). */
export function forgetQlikAnswers(): void {
  for (const clear of families) clear();
}
