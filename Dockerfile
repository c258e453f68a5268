# agent-sts: the same commands CI uses (npm ci, tsc), then a slim runtime as a non-root user.
#
# Node.js 26, the newest LTS line: even-numbered majors enter LTS in the October of the year
# they are released, so 26 (released spring 2026) has been LTS since October 2026, while
# Node 20 reached its end of life in April 2026. Debian 13 (trixie) is the current stable
# base. The package itself still supports Node >= 20 ("engines") for the client libraries.
FROM node:26-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --no-audit --no-fund
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:26-trixie-slim
# Production: the sample policy's well-known development credentials are refused (run the
# sample with -e NODE_ENV=development, published on loopback only). The agents' port listens on
# every address, as a container must; metrics, unauthenticated, stay on loopback unless
# STS_METRICS_HOST says otherwise (deploy/kubernetes sets it, with a NetworkPolicy for Prometheus).
ENV NODE_ENV=production STS_HOST=0.0.0.0 STS_PORT=8080 STS_POLICY=/etc/agent-sts/policy.yaml
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The console's script and stylesheet, served as files (no build step).
COPY assets ./assets
COPY package.json ./
USER node
EXPOSE 8080 9464
# Slim images have no curl: node asks /healthz itself. Liveness (the process serves HTTP), not
# readiness: a broker waiting for its Redis is alive and recovers by itself; /readyz says ready.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.STS_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The policy is mounted at /etc/agent-sts/policy.yaml (a ConfigMap in deploy/kubernetes), with
# the jwks_file it names beside it.
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve"]
