#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks to run and test DRaaS
# (Docker Engine, redis-server, Caddy for the router, redis-sentinel, docker-compose,
# docker-registry, htpasswd, static busybox, Chromium for the browser tests, zip and python3 for the
# archive tests), then makes sure dockerd runs (scripts/start-docker.sh). Safe to run again: it
# skips what is already there.
# It never stops or reconfigures a service that is already on the machine.
set -euo pipefail

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# The router in front of apps is Debian's Caddy (2.6). DRaaS runs a private one with its own admin
# port (scripts/local-caddy.ts), so Debian's caddy service (:80, admin on :2019) is never needed.
command -v caddy >/dev/null 2>&1 || need+=(caddy)
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
# The file-mode tests zip folders with Info-ZIP and with Python's zipfile, as users do.
command -v zip >/dev/null 2>&1 || need+=(zip)
command -v python3 >/dev/null 2>&1 || need+=(python3)
# grep without -q: under pipefail, -q ends the pipe early and busybox's SIGPIPE reads as "missing".
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -x httpd >/dev/null || need+=(busybox-static)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# Packages are installed without starting their services (a policy-rc.d that says no, as Docker's
# own images do), unless the machine has its own policy: Debian's docker-registry would otherwise
# take port 5000, the scheduler's, redis-server 6379 and caddy 80 and 2019. The Docker engine is
# started below.
if [ ${#need[@]} -gt 0 ]; then
  echo "install-deps: installing ${need[*]}"
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    $SUDO sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
    trap '$SUDO rm -f "$policy"' EXIT
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # Where systemd runs the machine, the registry this script installed for the tests would still
  # start at the next boot, on port 5000: it stays installed but not enabled (the tests start their own).
  if [[ " ${need[*]} " == *" docker-registry "* ]] && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --quiet docker-registry.service
  fi
  # The same for Caddy's service, which would take port 80 at the next boot.
  if [[ " ${need[*]} " == *" caddy "* ]] && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --quiet caddy.service
  fi
fi

# Caddy (2.6) opens a new listening socket (SO_REUSEPORT) at every config load and closes the old
# one; without this, connections waiting in the old socket's queue are reset, so a client may see an
# error when apps' routes change. With it, the kernel (5.14 and later) hands them to the new socket.
if [ -w /proc/sys/net/ipv4/tcp_migrate_req ] || [ -n "$SUDO" ]; then
  if [ -e /proc/sys/net/ipv4/tcp_migrate_req ] && [ "$(cat /proc/sys/net/ipv4/tcp_migrate_req)" != 1 ]; then
    $SUDO sysctl -q -w net.ipv4.tcp_migrate_req=1
    [ -d /etc/sysctl.d ] && $SUDO sh -c 'echo net.ipv4.tcp_migrate_req=1 > /etc/sysctl.d/60-draas-router.conf'
  fi
fi

"$(dirname "$0")/start-docker.sh"
echo "install-deps: docker $(docker version --format '{{.Server.Version}}'), $(redis-server --version | cut -d' ' -f3), caddy $(caddy version | cut -d' ' -f1), busybox ok, $(chromium --version 2>/dev/null | head -1)"
