# One image for every service of docker-compose.yml: the `testbed` command, whose sub-commands are the
# components (vllm-sim, epp, gateway, authorino, limitador, certs, …). It runs the compiled JavaScript
# in packages/*/dist, as `npx testbed` does after `npm install`: no TypeScript compiler at run time.

# Stage 1: every dependency (esbuild included), so `npm ci`'s prepare step compiles packages/*/dist.
FROM node:20-slim AS build
WORKDIR /testbed
COPY package.json package-lock.json ./
COPY scripts/build.mjs scripts/bundle-up.mjs ./scripts/
COPY packages ./packages
RUN npm ci --no-audit --no-fund && rm -rf node_modules packages/*/node_modules

# Stage 2: runtime dependencies only, and the compiled packages from stage 1.
FROM node:20-slim
WORKDIR /testbed
COPY package.json package-lock.json ./
COPY scripts/build.mjs scripts/bundle-up.mjs ./scripts/
COPY --from=build /testbed/packages ./packages
# Without devDependencies the prepare step finds no esbuild and keeps the dist/ built in stage 1.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY topologies ./topologies
COPY manifests ./manifests
COPY scenarios ./scenarios
ENV NODE_ENV=production
ENTRYPOINT ["node", "/testbed/packages/cli/bin/testbed.mjs"]
CMD ["--help"]
