# syntax=docker/dockerfile:1
# The wfm-push worker image: `docker build -t wfm-push .`; `docker run wfm-push` starts a worker, and the same image
# runs any other command (`docker run wfm-push report <planId>`). deploy/compose.yaml runs two of them on a cluster.
# The image installs the package's own tarball, as users get it, with production dependencies only. Node on Debian
# (glibc): the Temporal SDK's native core has no musl build, so no Alpine.

FROM node:20.18.1-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm pack --silent --pack-destination /tmp && mv /tmp/wfm-push-*.tgz /tmp/wfm-push.tgz

FROM node:20.18.1-bookworm-slim
ENV NODE_ENV=production
# Two malloc arenas instead of glibc's eight per core: the Temporal SDK's native core allocates from many threads, and
# the default arenas held about a quarter of a worker's peak memory as fragmentation (docs/benchmarks.md, issue 22).
ENV MALLOC_ARENA_MAX=2
COPY --from=build /tmp/wfm-push.tgz /tmp/wfm-push.tgz
RUN npm install --global --omit=dev --no-audit --no-fund /tmp/wfm-push.tgz && rm /tmp/wfm-push.tgz
# Not root; a working directory of its own. With WFM_PUSH_STORE=postgres://… the worker writes nothing here.
USER node
WORKDIR /home/node
ENTRYPOINT ["wfm-push"]
CMD ["worker"]
