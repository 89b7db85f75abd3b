#!/usr/bin/env bash
# The second of the README's two commands: install everything and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
source scripts/env.sh
pnpm install --frozen-lockfile
rm -rf apps/*/.test-results packages/*/.test-results
status=0
pnpm exec turbo run build typecheck test --concurrency=2 --continue || status=$?
if command -v docker-compose >/dev/null 2>&1 && [ -f docker-compose.yml ]; then
  if docker-compose -f docker-compose.yml config -q; then echo "docker-compose.yml: valid"; else echo "docker-compose.yml: INVALID"; status=1; fi
  if docker-compose --env-file deploy/team.env.example -f docker-compose.team.yml config -q; then echo "docker-compose.team.yml: valid"; else echo "docker-compose.team.yml: INVALID"; status=1; fi
fi
node scripts/test-summary.mjs || status=$?
exit $status
