#!/usr/bin/env bash
# Docker cannot run on every machine (it cannot on the one this was written on), so this
# follows the Dockerfile's steps without it and runs the result: the build stage gets only
# what the Dockerfile copies into it, the run stage only what it copies out, production
# dependencies only, as an unprivileged user. It catches a file the image would lack, a dev
# dependency needed at run time, or a CLI that is not on the PATH.
# Needs PostgreSQL and Redis (TEST_DATABASE_URL, TEST_REDIS_URL; the local ones by default).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pg=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
redis=${TEST_REDIS_URL:-redis://127.0.0.1:6379}
port=${CHECK_PORT:-18080}
work=$(mktemp -d)
db="gatehouse_image_$$"
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  psql "$pg" -qc "drop database if exists $db" >/dev/null 2>&1 || true
  cd /
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }

step "build stage: npm ci and prune, from package files, tsconfigs and src/ only"
mkdir -p "$work/build" "$work/app/dist" "$work/data"
git -C "$root" archive HEAD package.json package-lock.json tsconfig.json tsconfig.build.json src | tar -x -C "$work/build"
(cd "$work/build" && npm ci --no-audit --no-fund --loglevel=error && npm prune --omit=dev --no-audit --no-fund --loglevel=error)

step "run stage: node_modules, dist/src, package.json, views, public, content"
cp -a "$work/build/node_modules" "$work/app/node_modules"
cp -a "$work/build/dist/src" "$work/app/dist/src"
git -C "$root" archive HEAD package.json views public content | tar -x -C "$work/app"
chmod +x "$work/app/dist/src/cli/gatehouse.js"
mkdir -p "$work/bin" && ln -s "$work/app/dist/src/cli/gatehouse.js" "$work/bin/gatehouse"
if [ -d "$work/app/node_modules/typescript" ] || [ -d "$work/app/node_modules/jest" ]; then echo "dev dependencies left in the image"; exit 1; fi
chmod -R a+rX "$work" && chown -R nobody "$work/data"

as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups env -i PATH="$work/bin:$PATH" HOME=/tmp \
  NODE_ENV=production PUBLIC_URL="http://localhost:$port" PORT="$port" DATA_DIR="$work/data" DATABASE_URL="${pg%/*}/$db" REDIS_URL="$redis" \
  REDIS_KEY_PREFIX="image-check-$$:" SESSION_SECRET="image-check-secret-0123456789-abcdefghij" "$@"; }

step "gatehouse migrate, as the image's CMD would run it (on the PATH, as nobody)"
psql "$pg" -qc "create database $db" >/dev/null
cd "$work/app"
as_nobody gatehouse migrate

step "start, as nobody, and answer"
# setpriv and env exec in turn, so $! is the server itself.
if curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then echo "port $port is already taken"; exit 1; fi
as_nobody node dist/src/main.js > "$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }; curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
(as_nobody node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))") && echo "HEALTHCHECK command: ok"
curl -fs "http://127.0.0.1:$port/readyz" && echo
curl -fs -o /dev/null -w "front page: %{http_code}\n" "http://127.0.0.1:$port/"
curl -fs -o /dev/null -w "site.css: %{http_code}\n" "http://127.0.0.1:$port/static/site.css"
curl -fsI "http://127.0.0.1:$port/articles/harbour-bridge-reopens" | grep -i '^x-access-decision: metered'
(as_nobody gatehouse admin key create >/dev/null) && echo "gatehouse admin key create: ok"

step "SIGTERM: exits 0"
kill -TERM "$pid"
wait "$pid" && echo "exit 0"
pid=
echo "image layout check passed"
