# Sourced by the scripts: makes this machine's toolchain traps disappear.
# - pnpm 10 (11 needs Node >= 22); corepack cannot verify this registry's metadata, so use npm.
# - better-sqlite3 compiles from source: Node's headers are in /usr/include/node.
export npm_config_nodedir="${npm_config_nodedir:-/usr}"
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
export TURBO_TELEMETRY_DISABLED=1
export DO_NOT_TRACK=1
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "10.34.9" ]; then
  npm install -g pnpm@10.34.9 >/dev/null
fi
