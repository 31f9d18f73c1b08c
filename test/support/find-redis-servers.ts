// Lists the redis-server processes serving a port (or started in a directory), from `ps`.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

export async function findRedisServers(port: number, dir?: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)("ps", ["-eo", "pid=,args="]);
  // redis-server retitles itself "redis-server 127.0.0.1:<port>"; without a retitle its args name its config file.
  const onPort = new RegExp(`redis-server\\S*\\s.*:${port}\\b`);
  return stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => /redis-server/.test(line) && (onPort.test(line) || (dir !== undefined && line.includes(dir))));
}
