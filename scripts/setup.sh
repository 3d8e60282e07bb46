#!/usr/bin/env bash
# Installs what building and testing Handoff needs, and only what is missing:
# Debian packages (the webview, Xvfb and the X tools the desktop tests use,
# OpenSSH's client and server for the remote-worktree tests, Chromium and
# its driver for the share-link viewer tests, rclone as the share
# benchmark's stock S3 client, rpmbuild for the .rpm package, dunst as the
# notification server the desktop tests read), the UI's node modules, the
# agents the interop tests drive (tests/agents), tauri-driver, and Garage
# (the S3-compatible server the share tests run). Uses sudo only when not
# root.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential pkg-config time python3 curl
  libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev libayatana-appindicator3-dev librsvg2-dev libssl-dev
  xvfb xauth webkit2gtk-driver xclip xdotool python3-gi gir1.2-gtk-3.0 dbus-daemon
  sway wl-clipboard
  openssh-client openssh-server
  libdbus-1-dev chromium chromium-driver rclone
  rpm dunst
)
# A Node.js installed outside Debian's packages is fine.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Sway (the Wayland e2e tests' compositor) refuses to run as root: as root,
# the tests run it, the driver and the app as this user.
if [ "$(id -u)" -eq 0 ] && ! id handoff-e2e >/dev/null 2>&1; then
  echo "setup: creating the user handoff-e2e for the Wayland tests"
  useradd --create-home --shell /usr/sbin/nologin handoff-e2e
fi

if ! command -v cargo >/dev/null; then
  echo "setup: cargo is missing; install a Rust toolchain (1.88 or newer) with rustup" >&2
  exit 1
fi
for component in fmt clippy; do
  if ! cargo "$component" --version >/dev/null 2>&1; then
    echo "setup: cargo $component is missing; install it with your Rust toolchain" >&2
    exit 1
  fi
done

if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "setup: installing the UI's node modules"
  # `npm install` keeps to the lock file; `npm ci` refuses the lock this npm
  # writes (it omits other platforms' optional rollup builds).
  (cd ui && npm install --no-audit --no-fund)
fi

# The real agents the interop tests drive, pinned by tests/agents/package-lock.json.
if [ ! -d tests/agents/node_modules ] || [ tests/agents/package-lock.json -nt tests/agents/node_modules/.package-lock.json ]; then
  echo "setup: installing the agents the interop tests drive"
  (cd tests/agents && npm install --no-audit --no-fund)
fi

if ! command -v tauri-driver >/dev/null && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ]; then
  echo "setup: installing tauri-driver"
  cargo install tauri-driver --locked --version '^2.1'
fi

# Garage: a real S3-compatible server for the share tests and benchmarks
# (built from crates.io once per machine, ~10 minutes).
if ! command -v garage >/dev/null && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/garage" ]; then
  echo "setup: installing garage (an S3-compatible server for the share tests)"
  cargo install garage --locked --version '^2.5'
fi
