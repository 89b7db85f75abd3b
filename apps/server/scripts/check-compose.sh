#!/usr/bin/env bash
# Validates the top-level docker-compose.yml with Debian's `docker-compose config` (there is no
# Docker engine on CI machines; this checks the file's syntax and references only).
# Exit 0 when valid, 1 when invalid, 0 with a "skipped" message when docker-compose is missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
if ! command -v docker-compose >/dev/null 2>&1; then
  echo "check-compose: skipped (docker-compose is not installed; apt-get install docker-compose)"
  exit 0
fi
out="$(LOCKSCOPE_TOKEN=check-compose-token-0123456789 docker-compose -f "$root/docker-compose.yml" --project-directory "$root" config 2>&1)" || {
  echo "check-compose: docker-compose.yml is invalid:" >&2
  echo "$out" >&2
  exit 1
}
grep -q 'lockscope-data' <<<"$out" || { echo "check-compose: the data volume is missing" >&2; exit 1; }
grep -q 'LOCKSCOPE_DATA_DIR: /data' <<<"$out" || { echo "check-compose: LOCKSCOPE_DATA_DIR is not the volume" >&2; exit 1; }
grep -q 'LOCKSCOPE_TOKEN: check-compose-token-0123456789' <<<"$out" || { echo "check-compose: the token is not passed on" >&2; exit 1; }
echo "check-compose: docker-compose.yml is valid"

# The team deployment: PostgreSQL, two instances, a reverse proxy, secrets from an env file.
team="$(docker-compose --env-file "$root/deploy/team.env.example" -f "$root/docker-compose.team.yml" --project-directory "$root" config 2>&1)" || {
  echo "check-compose: docker-compose.team.yml is invalid:" >&2
  echo "$team" >&2
  exit 1
}
for service in postgres lockscope-1 lockscope-2 proxy; do
  grep -q "^  $service:" <<<"$team" || { echo "check-compose: docker-compose.team.yml has no $service service" >&2; exit 1; }
done
[ "$(grep -c 'DATABASE_URL: postgres://' <<<"$team")" = 2 ] || { echo "check-compose: both instances need DATABASE_URL" >&2; exit 1; }
[ "$(grep -c 'LOCKSCOPE_TOKEN: change-this-agent-token' <<<"$team")" = 2 ] || { echo "check-compose: both instances need the token of the env file" >&2; exit 1; }
# Without the env file the secrets are missing, and compose must say so rather than run without them.
if (cd "$(mktemp -d)" && docker-compose -f "$root/docker-compose.team.yml" --project-directory . config >/dev/null 2>&1); then
  echo "check-compose: docker-compose.team.yml runs without its secrets" >&2; exit 1
fi
echo "check-compose: docker-compose.team.yml is valid"
