// Which of the configured Slack user groups a user belongs to (usergroups.users.list), cached for five minutes.
import type { WebClient } from "@slack/web-api";

const TTL_MS = 5 * 60_000;

export function createGroupResolver(client: WebClient, configuredIds: string[]): (user: string) => Promise<string[]> {
  const groups = [...new Set(configuredIds.filter((id) => id.startsWith("S")))];
  let cache: { at: number; members: Map<string, Set<string>> } | undefined;
  const load = async () => {
    const members = new Map<string, Set<string>>();
    for (const group of groups) {
      const res = await client.usergroups.users.list({ usergroup: group });
      members.set(group, new Set(res.users ?? []));
    }
    cache = { at: Date.now(), members };
    return members;
  };
  return async (user) => {
    if (groups.length === 0) return [];
    const members = cache && Date.now() - cache.at < TTL_MS ? cache.members : await load();
    return groups.filter((g) => members.get(g)?.has(user));
  };
}
