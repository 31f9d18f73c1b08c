# qoem's image: TypeScript compiled in a build stage; the runtime stage holds production dependencies,
# dist/ and bin/ only, and runs as the unprivileged `node` user.

# --- build: every dependency (TypeScript among them), then `npm run build` into dist/ ---
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm ls` fails the step when the install is incomplete: npm 10 can end `npm ci` with "Exit handler
# never called!" and exit code 0 (seen on a registry connection failure), leaving node_modules partial.
RUN npm ci --no-audit --no-fund && npm ls >/dev/null
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY adapters ./adapters
RUN npm run build

# --- runtime: `npm ci --omit=dev` and the compiled code ---
FROM node:20-slim AS runtime
WORKDIR /app
# NODE_ENV=production makes bin/qoem.js run dist/; QOEM_OPS_PORT serves /healthz, /readyz and /metrics.
ENV NODE_ENV=production \
    QOEM_OPS_PORT=9464
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm ls --omit=dev >/dev/null && npm cache clean --force
COPY bin ./bin
COPY --from=build /app/dist ./dist
USER node
# 3000: Slack over HTTP (PORT); 9464: the ops endpoints (QOEM_OPS_PORT).
EXPOSE 3000 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.QOEM_OPS_PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/qoem.js"]
CMD ["start"]
