#!/usr/bin/env bash
# The first of Reel's two commands: install what is missing, build, and start `reel demo`
# (local tracker, seeders and daemon, all on 127.0.0.1). Extra arguments go to `reel demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npx tsc -p tsconfig.json
exec node dist/src/cli/main.js demo "$@"
