# Lockscope server serving the built web app. The build runs the same steps as the README's
# start command (scripts/install.sh: pnpm install --frozen-lockfile, then turbo run build).
FROM node:20-bookworm AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary is reachable; the official Node
# image keeps its headers under /usr/local (scripts/env.sh defaults to Debian's /usr).
ENV npm_config_nodedir=/usr/local \
    COREPACK_ENABLE_DOWNLOAD_PROMPT=0 \
    TURBO_TELEMETRY_DISABLED=1
RUN npm install -g pnpm@10.34.9
COPY . .
RUN bash scripts/install.sh

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    LOCKSCOPE_DATA_DIR=/data \
    LOCKSCOPE_WEB_DIR=/app/apps/web/dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "apps/server/dist/main.js"]
