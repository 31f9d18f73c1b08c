#!/bin/sh
# Builds local stand-ins for the two public images qoem's Dockerfile and docker-compose.yml name,
# node:20-slim and redis:7-alpine, for a machine whose Docker engine cannot pull them (no registry
# access) but reaches Debian's package mirror and the npm registry. With the stand-ins tagged under
# those names, `docker build .` and `docker compose up` run unchanged; never push them anywhere.
#
# What each stand-in is (close to the real image where qoem depends on it, not a copy of it):
#   node:20-slim    Debian bookworm (debootstrap minbase, docs and locales left out, as in
#                   bookworm-slim), this machine's Node 20 binary at /usr/local/bin/node, npm 10 from
#                   the npm registry (the npm Node 20 ships), user `node` (1000:1000, /home/node);
#                   and, when this machine sets NODE_EXTRA_CA_CERTS, that CA file (see the node:20-slim step).
#   redis:7-alpine  the same Debian base with Debian's redis-server 7, protected mode off by default
#                   (as the official image builds it), /data the working directory owned by `redis`,
#                   which the server runs as. Not Alpine: nothing in qoem's compose file depends on it.
#
# Needs: root, a running Docker engine, debootstrap (apt-get install debootstrap) and Node 20
# with npm on PATH. Usage: sh scripts/build-local-base-images.sh [--force] (rebuilds tags that exist).
# On Debian 12 without Docker: `apt-get install docker.io` brings an engine (start it: `dockerd &`);
# its docker-compose package is Compose 1, while `docker compose` (Compose 2, which the README
# assumes) comes with Docker's own packages or Debian 13's docker-compose package.
set -eu

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
NPM_VERSION=${NPM_VERSION:-10.8.2}
BASE=qoem-local/debian:bookworm-slim
force=no
[ "${1:-}" = "--force" ] && force=yes

fail() { echo "build-local-base-images: $*" >&2; exit 1; }
have_image() { [ "$force" = no ] && docker image inspect "$1" >/dev/null 2>&1; }

[ "$(id -u)" = 0 ] || fail "run as root (debootstrap needs it)"
docker info >/dev/null 2>&1 || fail "no Docker engine answers (start dockerd first)"
command -v debootstrap >/dev/null || fail "debootstrap is missing: apt-get install debootstrap"
node_bin=$(command -v node) || fail "node is missing: Node 20 is needed"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" = 20 ] || fail "this machine's node is $(node -v); node:20-slim needs Node 20"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- the Debian base both stand-ins start from ---
if have_image "$BASE"; then
  echo "$BASE: present"
else
  echo "$BASE: debootstrap bookworm (a few minutes)"
  debootstrap --variant=minbase bookworm "$work/rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; fail "debootstrap failed (log above)"; }
  # What bookworm-slim leaves out; later apt installs in the stand-ins leave it out too.
  cat >"$work/rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
  find "$work/rootfs/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
  rm -rf "$work/rootfs/usr/share/man/"* "$work/rootfs/usr/share/info/"* "$work/rootfs/usr/share/locale/"* \
    "$work/rootfs/var/lib/apt/lists/"* "$work/rootfs/var/cache/apt/"*.bin "$work/rootfs/var/cache/apt/archives/"*.deb
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$MIRROR" "$MIRROR" >"$work/rootfs/etc/apt/sources.list"
  tar -C "$work/rootfs" -c . | docker import -c 'CMD ["bash"]' - "$BASE" >/dev/null
  rm -rf "$work/rootfs"
fi

# --- node:20-slim ---
if have_image node:20-slim; then
  echo "node:20-slim: present"
else
  echo "node:20-slim: $node_bin ($(node -v)) and npm $NPM_VERSION on $BASE"
  mkdir "$work/node"
  cp "$node_bin" "$work/node/node"
  # A machine that reaches the npm registry only through a TLS-intercepting proxy trusts the proxy's
  # CA through NODE_EXTRA_CA_CERTS; the stand-in trusts the same file, or `npm ci` in a build fails.
  extra_ca=
  if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
    cp "$NODE_EXTRA_CA_CERTS" "$work/node/extra-ca.crt"
    extra_ca='COPY extra-ca.crt /usr/local/share/qoem-local/extra-ca.crt
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/qoem-local/extra-ca.crt'
  fi
  (cd "$work/node" && npm pack --silent "npm@$NPM_VERSION" >/dev/null)
  cat >"$work/node/Dockerfile" <<EOF
FROM $BASE
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY node /usr/local/bin/node
ADD npm-$NPM_VERSION.tgz /usr/local/lib/
RUN mkdir -p /usr/local/lib/node_modules && mv /usr/local/lib/package /usr/local/lib/node_modules/npm \\
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && node --version && npm --version
ENV NODE_VERSION=$(node -p process.versions.node)
$extra_ca
CMD ["node"]
EOF
  docker build -q -t node:20-slim "$work/node" >/dev/null
fi

# --- redis:7-alpine ---
if have_image redis:7-alpine; then
  echo "redis:7-alpine: present"
else
  echo "redis:7-alpine: Debian's redis-server on $BASE"
  mkdir "$work/redis"
  # The official image compiles protected mode off, so other containers may connect without a
  # password; Debian's build keeps it on. A config file stays first on the command line, as redis-server
  # wants it, and --version and the like go through untouched.
  cat >"$work/redis/redis-server" <<'EOF'
#!/bin/sh
case "${1:-}" in
  -v|--version|-h|--help|--test-memory|--check-system) exec /usr/bin/redis-server "$@" ;;
  *.conf) conf=$1; shift; exec /usr/bin/redis-server "$conf" --protected-mode no "$@" ;;
  *) exec /usr/bin/redis-server --protected-mode no "$@" ;;
esac
EOF
  chmod 755 "$work/redis/redis-server"
  cat >"$work/redis/Dockerfile" <<EOF
FROM $BASE
RUN apt-get update && apt-get install -y --no-install-recommends redis-server \\
 && apt-get clean && rm -rf /var/lib/apt/lists/* && mkdir /data && chown redis:redis /data
COPY redis-server /usr/local/bin/redis-server
WORKDIR /data
VOLUME /data
USER redis
EXPOSE 6379
CMD ["redis-server"]
EOF
  docker build -q -t redis:7-alpine "$work/redis" >/dev/null
fi

docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E '^(node:20-slim|redis:7-alpine|qoem-local/debian:bookworm-slim) '
