#!/usr/bin/env bash
# The whole test suite: system packages, type check, unit and integration tests, the security
# suite, then browser tests against a fresh production build.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/system-deps.sh
npx tsc -p tsconfig.json --noEmit
npx vitest run
npx vite build --logLevel warn
npx playwright test
