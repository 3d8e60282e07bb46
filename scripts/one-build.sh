#!/usr/bin/env bash
# Checks that `make run` right after `make test` rebuilds nothing but the
# app itself (which the e2e build gives its test hooks): both build the
# workspace's programs in one invocation, so dependencies are compiled with
# the same features. Run last by `make test`; leaves the app built for `make run`.
set -euo pipefail
cd "$(dirname "$0")/.."
stale=$(${CARGO:-cargo} build --workspace --bins --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and not message.get("fresh"):
        package = message["package_id"]
        # The app (its build script too) differs by the e2e feature only.
        if "/src-tauri#" not in package and "handoff-app" not in package:
            print(package, message["target"]["name"])
')
if [ -n "$stale" ]; then
  echo "make run after make test would rebuild: $(echo $stale | tr '\n' ' ')" >&2
  exit 1
fi
echo "make run after make test rebuilds nothing but the app"
