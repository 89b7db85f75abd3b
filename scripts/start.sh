#!/usr/bin/env bash
# The first of the README's two commands: install, build and start the dashboard on its
# embedded defaults (simulated source, recordings in a SQLite file under ./data).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec node apps/server/dist/main.js
