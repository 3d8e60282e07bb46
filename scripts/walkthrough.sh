#!/usr/bin/env bash
# A short tour of the `handoff` command in a sample worktree, with a data
# folder of its own so it leaves your real records alone.
set -euo pipefail

bin=$(realpath "$1")
tour="${TMPDIR:-/tmp}/handoff-walkthrough"
rm -rf "$tour"
mkdir -p "$tour/repo" "$tour/desktop"
git -C "$tour/repo" init -q 2>/dev/null || mkdir -p "$tour/repo/.git"
mkdir -p "$tour/tmp"
export HANDOFF_HOME="$tour/data" TMPDIR="$tour/tmp"

# A 1×1 PNG "screenshot" and a log, as if on the desktop.
printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82' > "$tour/desktop/screen shot.png"
seq 1 2000 | sed 's/^/build step /' > "$tour/desktop/build.log"

step() {
  printf '\n\033[1m$'; printf ' %q' "$@"; printf '\033[0m\n'
  (cd "$tour/repo" && "$@") || true
}

echo "Handoff walkthrough in $tour/repo (data in $HANDOFF_HOME)"
step "$bin" upload "$tour/desktop/screen shot.png" "$tour/desktop/build.log"
echo "build step 2001 failed" >> "$tour/desktop/build.log"
step "$bin" upload --message 'The build broke, see {filepath}' "$tour/desktop/build.log"
step "$bin" upload --dest temp "$tour/desktop/build.log"
step "$bin" ls
step rm "$tour/repo/.agor/uploads/build.log"
step "$bin" gc
step "$bin" ls --status missing
step cat "$tour/repo/.agor/uploads/.gitignore"
printf '\nThe command is %s; run it with --help to see everything.\n' "$bin"
