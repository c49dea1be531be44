# One image for every service of docker-compose.yml: the `testbed` command, whose sub-commands are the
# components (vllm-sim, epp, gateway, authorino, limitador, certs, …). TypeScript runs through tsx, as on a
# laptop, so the image needs no build step of its own.
FROM node:20-slim
WORKDIR /testbed
# `npm ci` links the workspace packages, so it needs packages/ itself: any change there re-runs it.
COPY package.json package-lock.json ./
COPY packages ./packages
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY topologies ./topologies
COPY manifests ./manifests
COPY scenarios ./scenarios
ENV NODE_ENV=production
ENTRYPOINT ["node", "/testbed/packages/cli/bin/testbed.mjs"]
CMD ["--help"]
