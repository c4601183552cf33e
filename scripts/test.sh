#!/usr/bin/env bash
# The whole test suite: system packages, type check, unit and integration tests, the security
# suite, then browser tests against a fresh production build.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/system-deps.sh
npx tsc -p tsconfig.json --noEmit
# The UI is built first: the security suite scans the bundle and the browser tests serve it.
npx vite build --logLevel warn
npx vitest run
npx playwright test
