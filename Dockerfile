# DRaaS's own image, for the scheduler or the agent (APP): its TypeScript compiled by tsc, run by node.
# Build from the repository root (npm workspaces):
#   docker build --build-arg APP=scheduler -t draas-scheduler .
#   docker build --build-arg APP=agent -t draas-agent .
# Where no registry is reachable, make the local base images first and build on them:
#   scripts/make-base-images.sh
#   docker build --build-arg APP=scheduler --build-arg NODE_IMAGE=draas/node:local -t draas-scheduler .
ARG NODE_IMAGE=node:20-bookworm-slim
FROM ${NODE_IMAGE}
ARG APP=scheduler

WORKDIR /app

# Manifests first, so that the dependency layer is rebuilt only when they change. npm ci checks the
# lock against every workspace, so each workspace's package.json is needed (add new ones here).
COPY package.json package-lock.json ./
COPY libs/queue-contracts/package.json libs/queue-contracts/
COPY apps/scheduler/package.json apps/scheduler/
COPY apps/agent/package.json apps/agent/
COPY apps/client-cli/package.json apps/client-cli/
# This app's dependencies, plus the root's tools (tsc compiles the sources below).
RUN test "$APP" = scheduler -o "$APP" = agent || { echo "APP must be scheduler or agent" >&2; exit 1; }; \
  npm ci --workspace=@draas/${APP} --include-workspace-root --no-audit --no-fund \
  && npm cache clean --force

COPY tsconfig.base.json tsconfig.json ./
COPY libs/queue-contracts/ libs/queue-contracts/
COPY apps/${APP}/ apps/${APP}/
RUN node_modules/.bin/tsc -b apps/${APP}/tsconfig.build.json

RUN mkdir -p /data
# Both apps keep their state in /data. The agent's health port must listen beyond loopback to be
# published from a container.
ENV NODE_ENV=production APP=${APP} DATA_DIR=/data AGENT_DATA_DIR=/data AGENT_HEALTH_HOST=0.0.0.0
EXPOSE 5000 5001
# Runs as root: the scheduler builds and the agent runs containers through the mounted Docker
# socket, which only root may use (and which is root-equivalent anyway).
CMD ["sh", "-c", "exec node apps/$APP/dist/index.js"]
