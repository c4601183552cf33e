#!/usr/bin/env bash
# The whole test suite: system packages, type check, lint (ESLint, Prettier's check), a build, unit, integration,
# security and production-install tests, then browser tests against that build.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/system-deps.sh
npx tsc -p tsconfig.json --noEmit
npx eslint .
npx prettier --check .
# Built first: the security suite scans the UI bundle, the production test installs the built tree and the browser
# tests serve it. The type check just ran.
node scripts/build.mjs --skip-typecheck
npx vitest run
npx playwright test
