# agent-sts: the same commands CI uses (npm ci, tsc), then a slim runtime as a non-root user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --no-audit --no-fund
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production STS_HOST=0.0.0.0 STS_PORT=8080 STS_METRICS_HOST=0.0.0.0 STS_POLICY=/etc/agent-sts/policy.yaml
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The console's script and stylesheet, served as files (no build step).
COPY assets ./assets
COPY package.json ./
USER node
EXPOSE 8080 9464
# The policy is mounted at /etc/agent-sts/policy.yaml (a ConfigMap in deploy/kubernetes).
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve"]
