#!/usr/bin/env bash
# Installs the workspace's npm dependencies and builds every package.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
pnpm install --frozen-lockfile
pnpm exec turbo run build
