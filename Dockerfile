# The XWC gateway in a container (docs/deploy.md): built in one stage, installed without build or test tools
# (npm ci --omit=dev) in the next, run as a non-root user with a health check.
#   docker build -t xwc .
#   docker run -p 8080:8080 -e XAPI_URL=https://pool-master.example.net -e PUBLIC_ORIGIN=https://xwc.example.com \
#     -v /etc/xwc/pool-ca.pem:/etc/xwc/pool-ca.pem:ro -e XAPI_CA_FILE=/etc/xwc/pool-ca.pem -v xwc-data:/var/lib/xwc xwc

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund \
  && npm run build \
  && node scripts/stage-runtime.mjs /staged

FROM node:20-bookworm-slim
# openssl: the simulated demo pool (no XAPI_URL) makes its certificates with it.
RUN apt-get update \
  && apt-get install -y --no-install-recommends openssl \
  && rm -rf /var/lib/apt/lists/* \
  && useradd --system --uid 10001 --user-group --home-dir /var/lib/xwc --shell /usr/sbin/nologin xwc \
  && install -d -o xwc -g xwc -m 0700 /var/lib/xwc
WORKDIR /opt/xwc
COPY --from=build /staged/ ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  PORT=8080 \
  METRICS_HOST=0.0.0.0 \
  METRICS_PORT=9464 \
  DATA_DIR=/var/lib/xwc \
  GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456:glibc.malloc.mmap_threshold=33554432
VOLUME /var/lib/xwc
EXPOSE 8080 9464
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.METRICS_PORT || 9464) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
STOPSIGNAL SIGTERM
# node itself as PID 1, not npm: it receives SIGTERM (drain) and SIGHUP (reload) and exits with the documented codes.
CMD ["node", "--enable-source-maps", "apps/proxy/dist/main.js"]
