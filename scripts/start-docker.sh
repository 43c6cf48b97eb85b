#!/usr/bin/env bash
# Makes sure a Docker engine answers, starting one when none does. The engine must outlive the
# terminal that started it: a Ctrl-C there (on `npm start`, say) must never reach dockerd or its
# containerd, or every container dies. So it is started by the machine's service manager where
# systemd runs the machine, else as a daemon in a session of its own (setsid: its own process group,
# no controlling terminal) with nothing inherited from the terminal.
#
# Usage: scripts/start-docker.sh [dockerd flags...]
#   With flags (another engine: --data-root, --host, ...), that dockerd is started directly; set
#   DOCKER_HOST to where it listens so that this script can wait for it.
#   DOCKERD_LOG: where a directly started dockerd writes (default /var/log/dockerd.log).
set -euo pipefail

if docker info >/dev/null 2>&1; then exit 0; fi

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
log="${DOCKERD_LOG:-/var/log/dockerd.log}"

if [ $# -eq 0 ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  echo "start-docker: starting docker.service"
  $SUDO systemctl start docker
else
  echo "start-docker: starting dockerd in its own session (log: $log)"
  $SUDO mkdir -p "$(dirname "$log")"
  # The redirections happen inside the (possibly sudo'd) shell, so that root writes the log.
  # shellcheck disable=SC2016
  $SUDO sh -c 'log="$1"; shift; exec setsid --fork dockerd "$@" </dev/null >>"$log" 2>&1' start-docker "$log" "$@"
fi

for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && exit 0
  sleep 0.5
done
echo "start-docker: the Docker engine did not answer within 30 s; see $log (or: journalctl -u docker)" >&2
tail -n 30 "$log" >&2 2>/dev/null || true
exit 1
