/**
 * An onboard's checkpoint, kept with the customer (not inside one job), so that any later onboard of
 * the same customer and place resumes it: the facts learned so far (tenant id, space ids) and the
 * steps finished, each with the inputs it ran with. Writes are fenced: a superseded execution cannot
 * overwrite the checkpoint of the one that replaced it.
 */
import type { Redis } from "ioredis";
import { checkpointSchema, type Checkpoint } from "./operation-progress.ts";
import { fencedHset, type Fence, type WriteCondition } from "./execution-fence.ts";
import type { RedisKeys } from "./redis-keys.ts";

export class OnboardCheckpoints {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async load(customer: string, where: string): Promise<Checkpoint> {
    const raw = await this.redis.hgetall(this.keys.checkpoint(customer));
    if (raw.where !== where || !raw.data) return { facts: {}, done: {} };
    try {
      const parsed = checkpointSchema.safeParse(JSON.parse(raw.data));
      return parsed.success ? parsed.data : { facts: {}, done: {} };
    } catch {
      return { facts: {}, done: {} };
    }
  }

  save(customer: string, where: string, checkpoint: Checkpoint, fence?: Fence, conditions: WriteCondition[] = []): Promise<void> {
    return fencedHset(this.redis, fence, this.keys.checkpoint(customer), { where, data: JSON.stringify(checkpoint) }, "saving the checkpoint", conditions);
  }

  async clear(customer: string): Promise<void> {
    await this.redis.del(this.keys.checkpoint(customer));
  }
}
