#!/usr/bin/env bash
# The packages as a person gets them: the .rpm holds what the .deb holds and
# asks for the webview; the .deb installs with its dependencies, `handoff
# --version` answers, the installed app starts under Xvfb from its desktop
# entry's command and opens its first session, and removing the package
# takes the programs away and leaves the person's data folder as it was.
#
#   tests/package/installed.sh PACKAGE_DIR
set -euo pipefail
dir="$(realpath "$1")"
deb="$(ls "$dir"/handoff_*.deb)"
rpm="$(ls "$dir"/handoff-*.rpm)"
version="$(dpkg-deb -f "$deb" Version)"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
fail() { echo "package test: $*" >&2; exit 1; }

if dpkg-query -W -f='${Status}' handoff 2>/dev/null | grep -q "install ok installed"; then
  fail "a handoff package is already installed here; remove it first (apt-get remove handoff)"
fi

# What each package holds.
want=(/usr/bin/handoff /usr/bin/handoff-app /usr/share/applications/handoff.desktop
  /usr/share/icons/hicolor/128x128/apps/handoff.png /usr/share/doc/handoff/copyright
  /usr/share/doc/handoff/LICENSE-MIT /usr/share/doc/handoff/LICENSE-APACHE)
deb_files="$(dpkg-deb --contents "$deb" | awk '{print $6}' | sed 's|^\.||')"
rpm_files="$(rpm -qlp "$rpm" 2>/dev/null)"
for file in "${want[@]}"; do
  grep -qx "$file" <<<"$deb_files" || fail "$deb does not hold $file"
  grep -qx "$file" <<<"$rpm_files" || fail "$rpm does not hold $file"
done
dpkg-deb -f "$deb" Depends | grep -q libwebkit2gtk-4.1 || fail "the .deb does not depend on the webview"
rpm -qp --requires "$rpm" 2>/dev/null | grep -q 'libwebkit2gtk-4.1.so' || fail "the .rpm does not require the webview"
grep -q '^MimeType=.*image/png' <(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/applications/handoff.desktop) ||
  fail "the desktop entry offers no MIME types for Open with"

work="$(mktemp -d "${TMPDIR:-/tmp}/handoff-installed.XXXXXX")"
app_pid=""
cleanup() {
  if [ -n "$app_pid" ]; then
    kill -- "-$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
  fi
  if dpkg-query -W -f='${Status}' handoff 2>/dev/null | grep -q "install ok installed"; then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get remove -y -qq handoff >/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "package test: installing $(basename "$deb")"
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$deb" >"$work/apt.log" 2>&1 ||
  { cat "$work/apt.log" >&2; fail "apt-get could not install $deb"; }
[ "$(command -v handoff)" = /usr/bin/handoff ] || fail "handoff is not /usr/bin/handoff on PATH"
[ "$(/usr/bin/handoff --version)" = "handoff $version" ] || fail "handoff --version says $(/usr/bin/handoff --version)"

# The person's data folder, with something already in it.
home="$work/data"
mkdir -p "$home" "$work/repo"
echo "notes kept by the person" >"$work/repo/notes.txt"
HANDOFF_HOME="$home" /usr/bin/handoff upload --worktree "$work/repo" "$work/repo/notes.txt" >/dev/null

# The desktop entry's own command, from the menu's point of view.
exec_line="$(sed -n 's/^Exec=//p' /usr/share/applications/handoff.desktop | sed 's/ %F//')"
[ "$(command -v "$exec_line")" = /usr/bin/handoff-app ] || fail "the desktop entry runs $exec_line, not the installed app"
echo "package test: starting the installed app under Xvfb"
(cd "$work/repo" && exec setsid xvfb-run -a -s "-screen 0 900x600x24" env HANDOFF_HOME="$home" "$exec_line" \
  >"$work/app.log" 2>&1) &
app_pid=$!
sessions=""
for _ in $(seq 1 240); do
  sessions="$(HANDOFF_HOME="$home" /usr/bin/handoff session ls 2>/dev/null || true)"
  [ -n "$sessions" ] && break
  kill -0 "$app_pid" 2>/dev/null || { cat "$work/app.log" >&2; fail "the installed app exited before its first session"; }
  sleep 0.25
done
[ -n "$sessions" ] || { cat "$work/app.log" >&2; fail "the installed app opened no session within 60 s"; }
echo "package test: first session: $sessions"
kill -- "-$app_pid"
wait "$app_pid" 2>/dev/null || true
app_pid=""
pgrep -f /usr/bin/handoff-app >/dev/null && fail "the installed app left a process behind"

before="$(cd "$home" && find . -type f ! -name 'handoff.log*' -print0 | sort -z | xargs -0 sha256sum)"
echo "package test: removing the package"
DEBIAN_FRONTEND=noninteractive $sudo apt-get remove -y -qq handoff >"$work/apt.log" 2>&1 ||
  { cat "$work/apt.log" >&2; fail "apt-get could not remove handoff"; }
for file in /usr/bin/handoff /usr/bin/handoff-app /usr/share/applications/handoff.desktop; do
  [ ! -e "$file" ] || fail "$file is still there after removing the package"
done
after="$(cd "$home" && find . -type f ! -name 'handoff.log*' -print0 | sort -z | xargs -0 sha256sum)"
[ "$before" = "$after" ] || fail "removing the package changed the data folder"
[ -f "$work/repo/.agor/uploads/notes.txt" ] || fail "removing the package took the person's upload"
echo "package test: passed (.deb $(du -h "$deb" | cut -f1), .rpm $(du -h "$rpm" | cut -f1))"
