#!/usr/bin/env bash
# Makes DRaaS's local base images from binaries already on this machine, so that user images
# (examples/, integration tests) and DRaaS's own images build where no registry is reachable:
#   draas/busybox:local          FROM scratch: static busybox, its applets as /bin symlinks
#   draas/node:<major>-local     FROM scratch: the host's node + npm, exactly the shared libraries
#   draas/node:local               node needs (from ldd), busybox as the shell, a `node` user
#   draas/redis:local            FROM scratch: the host's redis-server and redis-cli with their
#                                  shared libraries, busybox as the shell (docker-compose.yml's
#                                  REDIS_IMAGE where no registry is reachable)
#   draas/caddy:local            FROM scratch: the host's caddy (Debian's package) with its shared
#                                  libraries, busybox as the shell, the official caddy image's
#                                  layout (docker-compose.yml's CADDY_IMAGE where no registry is
#                                  reachable)
# Quick when the images exist and match this script and the host's node; --force rebuilds.
# The integration tests' global setup calls it, so it prints one line per image and keeps
# docker's output in a log that is shown only when something fails.
set -euo pipefail

usage() {
  echo "usage: scripts/make-base-images.sh [--force]"
  echo "  --force   rebuild the images even when they exist"
}

force=0
for arg in "$@"; do
  case "$arg" in
    --force | -f) force=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "make-base-images: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
  esac
done

# Bump when a recipe below changes: images labelled with an older revision are rebuilt.
RECIPE_REV=1
BUSYBOX_IMAGE=draas/busybox:local
NODE_ALIAS=draas/node:local
REDIS_IMAGE=draas/redis:local
CADDY_IMAGE=draas/caddy:local
BUSYBOX_BIN=/bin/busybox

die() { echo "make-base-images: $*" >&2; exit 1; }

command -v docker >/dev/null 2>&1 || die "docker CLI not found; run scripts/install-deps.sh"
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || die "Docker engine unreachable; run scripts/install-deps.sh"
[ -x "$BUSYBOX_BIN" ] || die "$BUSYBOX_BIN missing; install busybox-static (scripts/install-deps.sh)"
"$BUSYBOX_BIN" --list | grep -x httpd >/dev/null || die "$BUSYBOX_BIN has no httpd applet; install busybox-static"
command -v node >/dev/null 2>&1 || die "node not found on PATH"

node_bin=$(readlink -f "$(command -v node)")
node_version=$("$node_bin" -p process.version) # v20.20.2
node_major=${node_version#v}
node_major=${node_major%%.*}
NODE_IMAGE="draas/node:${node_major}-local"

work=$(mktemp -d "${TMPDIR:-/tmp}/draas-base-images.XXXXXX")
log="$work/docker.log"
verify_container=""
cleanup() {
  if [ -n "$verify_container" ]; then docker rm -f "$verify_container" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "make-base-images: $*" >&2
  if [ -s "$log" ]; then
    echo "---- last lines of the docker log ----" >&2
    tail -n 60 "$log" >&2
  fi
  exit 1
}

# Callers may run at once (parallel test runs): the second waits, then finds the images present.
if command -v flock >/dev/null 2>&1; then
  exec 9>"${TMPDIR:-/tmp}/draas-make-base-images.lock"
  flock 9
fi

# True when the image exists and carries the label this script would give it now.
image_current() {
  local image=$1 want=$2 got
  got=$(docker image inspect --format '{{ index .Config.Labels "draas.base-image" }}' "$image" 2>/dev/null) || return 1
  [ "$got" = "$want" ]
}

build_image() {
  local tag=$1 context=$2
  echo "== docker build -t $tag" >>"$log"
  docker build --pull=false --force-rm -t "$tag" "$context" >>"$log" 2>&1 || fail "docker build of $tag failed"
}

# Runs a command in a container; its output goes to the log, and the caller gets it on stdout.
run_in() {
  local image=$1 out
  shift
  echo "== docker run $image $*" >>"$log"
  if ! out=$(docker run --rm "$image" "$@" 2>&1); then
    echo "$out" >>"$log"
    return 1
  fi
  echo "$out" >>"$log"
  printf '%s' "$out"
}

# GET with retries (the server in a fresh container needs a moment); prints the body.
http_get() {
  "$node_bin" -e '
    const url = process.argv[1];
    const deadline = Date.now() + 15000;
    (async function attempt() {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        process.stdout.write(await res.text());
      } catch (err) {
        if (Date.now() > deadline) { console.error(`GET ${url}: ${err.message}`); process.exit(1); }
        setTimeout(attempt, 200);
      }
    })();' "$1"
}

# Starts `docker run -d -p 127.0.0.1::PORT IMAGE CMD...`, GETs / (or CHECK_PATH) on the published
# port and checks the body contains WANT.
check_published_http() {
  local image=$1 port=$2 want=$3 hostport body
  shift 3
  verify_container=$(docker run -d -p "127.0.0.1::$port" "$image" "$@" 2>>"$log") \
    || fail "$image: could not start a test server"
  hostport=$(docker port "$verify_container" "$port/tcp" | grep -m1 '^127\.0\.0\.1:') \
    || fail "$image: port $port was not published on 127.0.0.1"
  if ! body=$(http_get "http://$hostport${CHECK_PATH:-/}" 2>>"$log") || [[ "$body" != *"$want"* ]]; then
    docker logs "$verify_container" >>"$log" 2>&1 || true
    fail "$image: the test server on $hostport did not answer '$want' (got '${body:-nothing}')"
  fi
  docker rm -f "$verify_container" >/dev/null 2>&1 || true
  verify_container=""
}

make_busybox() {
  local label="r${RECIPE_REV}"
  if [ "$force" = 0 ] && image_current "$BUSYBOX_IMAGE" "$label"; then
    echo "$BUSYBOX_IMAGE ready (present)"
    return
  fi
  local ctx="$work/busybox"
  mkdir -p "$ctx/rootfs/bin" "$ctx/rootfs/etc"
  cp "$BUSYBOX_BIN" "$ctx/rootfs/bin/busybox"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$ctx/rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$ctx/rootfs/etc/group"
  cat >"$ctx/Dockerfile" <<EOF
FROM scratch
COPY rootfs/ /
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin && mkdir -p /tmp /root /www && chmod 1777 /tmp"]
ENV PATH=/bin
LABEL draas.base-image="$label" org.opencontainers.image.description="static busybox, made by DRaaS scripts/make-base-images.sh"
CMD ["sh"]
EOF
  build_image "$BUSYBOX_IMAGE" "$ctx"

  local out
  out=$(run_in "$BUSYBOX_IMAGE" sh -c 'seq 1 3 | tr "\n" " "') || fail "$BUSYBOX_IMAGE: sh/seq do not run"
  [ "$out" = "1 2 3 " ] || fail "$BUSYBOX_IMAGE: seq printed '$out'"
  # httpd and nc talk to each other inside one container.
  out=$(run_in "$BUSYBOX_IMAGE" sh -c '
    mkdir -p /tmp/www && echo busybox-httpd-ok >/tmp/www/index.html
    httpd -p 127.0.0.1:8080 -h /tmp/www
    for i in $(seq 1 50); do
      printf "GET / HTTP/1.0\r\n\r\n" | nc 127.0.0.1 8080 2>/dev/null && exit 0
      sleep 0.1
    done
    exit 1') || fail "$BUSYBOX_IMAGE: httpd/nc check failed"
  [[ "$out" == *busybox-httpd-ok* ]] || fail "$BUSYBOX_IMAGE: httpd answered '$out'"
  check_published_http "$BUSYBOX_IMAGE" 8080 busybox-httpd-ok \
    sh -c 'mkdir -p /tmp/www && echo busybox-httpd-ok >/tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www'
  echo "$BUSYBOX_IMAGE ready (built)"
}

# Copies every shared library ldd names for $1 (the dynamic loader too) under $2, at the same
# path, dereferencing symlinks.
copy_shared_libs() {
  local binary=$1 root=$2 lib
  while read -r lib; do
    [ -n "$lib" ] || continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done < <(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3; next } $1 ~ /^\// { print $1 }')
}

find_npm_dir() {
  local candidate
  for candidate in \
    "$(dirname "$node_bin")/../lib/node_modules/npm" \
    "$(dirname "$(dirname "$(readlink -f "$(command -v npm 2>/dev/null || echo /nonexistent)")")")"; do
    if [ -f "$candidate/bin/npm-cli.js" ]; then
      readlink -f "$candidate"
      return
    fi
  done
}

make_node() {
  local label="r${RECIPE_REV} node-${node_version}"
  if [ "$force" = 0 ] && image_current "$NODE_IMAGE" "$label"; then
    if ! image_current "$NODE_ALIAS" "$label"; then
      docker tag "$NODE_IMAGE" "$NODE_ALIAS" || fail "could not tag $NODE_ALIAS"
    fi
    echo "$NODE_IMAGE ready (present), also tagged $NODE_ALIAS"
    return
  fi
  local ctx="$work/node" root
  root="$ctx/rootfs"
  mkdir -p "$root/bin" "$root/usr/bin" "$root/usr/local/bin" "$root/usr/local/lib/node_modules" \
    "$root/etc" "$root/home/node" "$root/root" "$root/app"
  cp "$BUSYBOX_BIN" "$root/bin/busybox"
  ln -s /bin/busybox "$root/usr/bin/env" # `#!/usr/bin/env node` in npm and node_modules/.bin
  cp "$node_bin" "$root/usr/local/bin/node"
  copy_shared_libs "$node_bin" "$root"

  local npm_dir has_npm=no
  npm_dir=$(find_npm_dir)
  if [ -n "$npm_dir" ]; then
    cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
    # The official node images' layout, so Dockerfiles written for them work unchanged.
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
    has_npm=yes
  fi

  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'node:x:1000:1000::/home/node:/bin/sh' \
    'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'node:x:1000:' 'nogroup:x:65534:' >"$root/etc/group"
  printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' >"$root/etc/nsswitch.conf"

  local ca_env=""
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    mkdir -p "$root/etc/ssl/certs"
    cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
    # Trust what this machine trusts (npm ci inside a build may go through the same proxy CA).
    ca_env="ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"
  fi

  cat >"$ctx/Dockerfile" <<EOF
FROM scratch
COPY rootfs/ /
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin && mkdir -p /tmp && chmod 1777 /tmp && chown 1000:1000 /home/node && chmod 700 /root"]
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin NODE_VERSION=${node_version#v}
$ca_env
LABEL draas.base-image="$label" org.opencontainers.image.description="host node ${node_version} (npm: ${has_npm}) on scratch, made by DRaaS scripts/make-base-images.sh"
WORKDIR /app
CMD ["node"]
EOF
  build_image "$NODE_IMAGE" "$ctx"
  docker tag "$NODE_IMAGE" "$NODE_ALIAS" || fail "could not tag $NODE_ALIAS"

  local out
  out=$(run_in "$NODE_ALIAS" node -e 'console.log(process.version)') || fail "$NODE_ALIAS: node does not run"
  [ "$out" = "$node_version" ] || fail "$NODE_ALIAS: node printed '$out', expected $node_version"
  out=$(docker run --rm --user node "$NODE_ALIAS" sh -c 'id -u && touch /tmp/probe && echo "$HOME"' 2>>"$log") \
    || fail "$NODE_ALIAS: the node user or /tmp is broken"
  [ "$out" = $'1000\n/home/node' ] || fail "$NODE_ALIAS: node user check printed '$out'"
  if [ "$has_npm" = yes ]; then
    run_in "$NODE_ALIAS" npm --version >/dev/null || fail "$NODE_ALIAS: npm does not run"
  fi
  check_published_http "$NODE_ALIAS" 3000 node-http-ok \
    node -e 'require("http").createServer((req, res) => res.end("node-http-ok")).listen(3000)'
  local note=""
  [ "$has_npm" = yes ] || note=" (no npm found on this machine, so none in the image)"
  echo "$NODE_IMAGE ready (built), also tagged $NODE_ALIAS$note"
}

make_redis() {
  local server cli version label
  server=$(command -v redis-server 2>/dev/null) || { echo "$REDIS_IMAGE skipped: no redis-server on this machine (scripts/install-deps.sh)"; return; }
  cli=$(command -v redis-cli 2>/dev/null) || { echo "$REDIS_IMAGE skipped: no redis-cli on this machine"; return; }
  server=$(readlink -f "$server")
  cli=$(readlink -f "$cli")
  version=$("$server" --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p')
  label="r${RECIPE_REV} redis-${version}"
  if [ "$force" = 0 ] && image_current "$REDIS_IMAGE" "$label"; then
    echo "$REDIS_IMAGE ready (present)"
    return
  fi
  local ctx="$work/redis" root
  root="$ctx/rootfs"
  mkdir -p "$root/bin" "$root/usr/local/bin" "$root/etc" "$root/data" "$root/usr/local/etc/redis"
  cp "$BUSYBOX_BIN" "$root/bin/busybox"
  cp "$server" "$root/usr/local/bin/redis-server"
  cp "$cli" "$root/usr/local/bin/redis-cli"
  copy_shared_libs "$server" "$root"
  copy_shared_libs "$cli" "$root"
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$root/etc/group"
  cat >"$ctx/Dockerfile" <<EOF
FROM scratch
COPY rootfs/ /
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin && mkdir -p /tmp && chmod 1777 /tmp"]
ENV PATH=/usr/local/bin:/bin
LABEL draas.base-image="$label" org.opencontainers.image.description="host redis-server ${version} on scratch, made by DRaaS scripts/make-base-images.sh"
WORKDIR /data
EXPOSE 6379
CMD ["redis-server", "--protected-mode", "no"]
EOF
  build_image "$REDIS_IMAGE" "$ctx"
  local out
  out=$(run_in "$REDIS_IMAGE" sh -c 'redis-server --port 6400 --daemonize yes --save "" >/dev/null && for i in $(seq 1 50); do redis-cli -p 6400 ping 2>/dev/null && exit 0; sleep 0.1; done; exit 1') \
    || fail "$REDIS_IMAGE: redis-server does not answer redis-cli"
  [[ "$out" == *PONG* ]] || fail "$REDIS_IMAGE: redis-cli ping printed '$out'"
  echo "$REDIS_IMAGE ready (built)"
}

make_caddy() {
  local caddy version label
  caddy=$(command -v caddy 2>/dev/null) || { echo "$CADDY_IMAGE skipped: no caddy on this machine (scripts/install-deps.sh)"; return; }
  caddy=$(readlink -f "$caddy")
  version=$("$caddy" version 2>/dev/null | awk '{ print $1; exit }') || true
  [ -n "$version" ] || { echo "$CADDY_IMAGE skipped: \`caddy version\` fails on this machine (scripts/install-deps.sh)"; return; }
  label="r${RECIPE_REV} caddy-${version}"
  if [ "$force" = 0 ] && image_current "$CADDY_IMAGE" "$label"; then
    echo "$CADDY_IMAGE ready (present)"
    return
  fi
  local ctx="$work/caddy" root
  root="$ctx/rootfs"
  mkdir -p "$root/bin" "$root/usr/bin" "$root/etc/caddy" "$root/data" "$root/config"
  cp "$BUSYBOX_BIN" "$root/bin/busybox"
  cp "$caddy" "$root/usr/bin/caddy"
  copy_shared_libs "$caddy" "$root"
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$root/etc/group"
  printf '%s\n' 'hosts: files dns' >"$root/etc/nsswitch.conf"
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    # ACME (ROUTER_HTTPS=auto) talks to Let's Encrypt over TLS.
    mkdir -p "$root/etc/ssl/certs"
    cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  fi
  # The official caddy image's environment, folders and command, so docker-compose.yml runs either.
  cat >"$ctx/Dockerfile" <<EOF
FROM scratch
COPY rootfs/ /
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin && mkdir -p /tmp && chmod 1777 /tmp"]
ENV PATH=/usr/bin:/bin XDG_CONFIG_HOME=/config XDG_DATA_HOME=/data
LABEL draas.base-image="$label" org.opencontainers.image.description="host caddy ${version} on scratch, made by DRaaS scripts/make-base-images.sh"
WORKDIR /srv
EXPOSE 80 443 2019
CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
EOF
  build_image "$CADDY_IMAGE" "$ctx"
  local out
  out=$(run_in "$CADDY_IMAGE" caddy version) || fail "$CADDY_IMAGE: caddy does not run"
  [[ "$out" == "$version"* ]] || fail "$CADDY_IMAGE: caddy version printed '$out'"
  # As docker-compose.yml runs it: the admin API on every interface of the container (published here
  # for the check only), its config written by sh.
  CHECK_PATH=/config/ check_published_http "$CADDY_IMAGE" 2019 '"listen":"0.0.0.0:2019"' \
    sh -c 'echo "{\"admin\":{\"listen\":\"0.0.0.0:2019\"}}" > /tmp/c.json && exec caddy run --config /tmp/c.json'
  echo "$CADDY_IMAGE ready (built)"
}

make_busybox
make_node
make_redis
make_caddy
