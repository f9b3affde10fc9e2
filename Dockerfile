# The drydock worker, for the production shape in docker-compose.yml.
# Debian-based (not Alpine): the Temporal SDK's native core is built against glibc, and the
# IPMI driver runs Debian's ipmitool.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ipmitool openssh-client ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
USER node
ENV NODE_ENV=production
ENTRYPOINT ["node", "bin/drydock.js"]
CMD ["worker"]
