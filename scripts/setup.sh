#!/usr/bin/env bash
# Installs what building and testing Handoff needs, and only what is missing.
# Debian/Ubuntu; uses sudo only when not root.
set -euo pipefail

packages=(build-essential pkg-config time python3)

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

if ! command -v cargo >/dev/null; then
  echo "setup: cargo is missing; install a Rust toolchain (1.88 or newer) with rustup" >&2
  exit 1
fi
for component in fmt clippy; do
  if ! cargo "$component" --version >/dev/null 2>&1; then
    if command -v rustup >/dev/null; then
      rustup component add "$( [ "$component" = fmt ] && echo rustfmt || echo clippy )"
    else
      echo "setup: cargo $component is missing; install it with your Rust toolchain" >&2
      exit 1
    fi
  fi
done
