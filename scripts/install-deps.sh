#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks to run and test DRaaS
# (Docker Engine, redis-server, redis-sentinel, docker-compose, docker-registry, htpasswd, static
# busybox, Chromium for the browser tests), then makes sure dockerd runs.
# Safe to run again: it skips what is already there.
set -euo pipefail

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# The Compose test brings the whole stack up with Debian's docker-compose (1.29); the Sentinel
# test fails a primary over with Debian's redis-sentinel.
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
command -v redis-sentinel >/dev/null 2>&1 || need+=(redis-sentinel)
# The image distribution test pushes to and pulls from Debian's docker-registry, with a password
# file made by htpasswd (apache2-utils).
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
# The second Docker engine of that test (and of the chaos script) gets its own bridge from ip.
command -v ip >/dev/null 2>&1 || need+=(iproute2)
# The browser tests drive Debian's Chromium through playwright-core (no browser download).
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# grep without -q: under pipefail, -q ends the pipe early and busybox's SIGPIPE reads as "missing".
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -x httpd >/dev/null || need+=(busybox-static)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

if [ ${#need[@]} -gt 0 ]; then
  echo "install-deps: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Debian's docker-registry package may start a system registry on port 5000, the scheduler's
# default port; the tests start their own, so that one is stopped.
pkill -f 'docker-registry serve /etc/docker/registry/config.yml' 2>/dev/null || true

# Debian's redis-server package may start a system instance on 6379; DRaaS runs its own
# with the project's redis.conf, so that one is left alone.

if ! docker info >/dev/null 2>&1; then
  echo "install-deps: starting dockerd"
  mkdir -p /var/log
  $SUDO sh -c 'nohup dockerd >/var/log/dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { echo "install-deps: dockerd did not start; see /var/log/dockerd.log" >&2; tail -n 30 /var/log/dockerd.log >&2 || true; exit 1; }
fi
echo "install-deps: docker $(docker version --format '{{.Server.Version}}'), $(redis-server --version | cut -d' ' -f3), busybox ok, $(chromium --version 2>/dev/null | head -1)"
