// Lua for keys held by an owner token (locks, writer flags): only the owner may renew or release.
export const releaseIfOwner = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
export const renewIfOwner = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
