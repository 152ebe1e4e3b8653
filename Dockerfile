# One image for both roles: the gateway (default) and the worker (`npm run worker` / node dist/src/worker-main.js).
FROM node:20-bookworm-slim
WORKDIR /app
# pocketsphinx is optional: with it, segments carry text (TRANSCRIBER=auto picks it up).
# python3, make and g++ let better-sqlite3 (embedded mode's database) compile when no prebuilt binary can be fetched.
RUN apt-get update && apt-get install -y --no-install-recommends pocketsphinx pocketsphinx-en-us python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
# the fitted emotion model (src/analysis/metrics/emotion/model.ts looks for fitted/ upwards)
COPY fitted ./fitted
RUN npm run build && npm prune --omit=dev
ENV NODE_ENV=production PORT=4000
EXPOSE 4000
CMD ["node", "dist/src/main.js"]
