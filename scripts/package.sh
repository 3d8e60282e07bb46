#!/usr/bin/env bash
# Builds Handoff's installable packages from a release build: a .deb
# (dpkg-deb) and an .rpm (rpmbuild), each holding the app, the `handoff`
# command, the desktop entry (with the MIME types for "Open with"), the
# icons and the licence. Nothing is downloaded: both tools come with the
# distribution, the dependencies are read from the programs' own libraries.
#
#   scripts/package.sh [OUT_DIR]     (default: target/package)
#
# Expects the UI built (`make ui`); builds the release programs itself.
set -euo pipefail
cd "$(dirname "$0")/.."

out="$(realpath -m "${1:-target/package}")"
cargo="${CARGO:-cargo}"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)"
arch_deb="$(dpkg --print-architecture)"
arch_rpm="$(uname -m)"

echo "package: building the release programs"
"$cargo" build --release --locked -p handoff-app -p handoff-cli --bins

stage="$(mktemp -d "${TMPDIR:-/tmp}/handoff-package.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
root="$stage/root"

install -d "$root/usr/bin" "$root/usr/share/applications" "$root/usr/share/doc/handoff"
for program in handoff-app handoff; do
  # The release profile keeps line tables for backtraces; a package drops them.
  objcopy --strip-debug --strip-unneeded "target/release/$program" "$root/usr/bin/$program"
  chmod 0755 "$root/usr/bin/$program"
done
install -m 0644 src-tauri/handoff.desktop "$root/usr/share/applications/handoff.desktop"
for size in 32 128 512; do
  icon=icons/${size}x${size}.png
  [ "$size" = 512 ] && icon=icons/icon.png
  install -D -m 0644 "$icon" "$root/usr/share/icons/hicolor/${size}x${size}/apps/handoff.png"
done
install -m 0644 LICENSE-MIT LICENSE-APACHE README.md "$root/usr/share/doc/handoff/"
{
  echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
  echo "Upstream-Name: handoff"
  echo
  echo "Files: *"
  echo "Copyright: 2026 The Handoff developers"
  echo "License: MIT or Apache-2.0"
  echo " The full texts are in /usr/share/doc/handoff/LICENSE-MIT and"
  echo " /usr/share/doc/handoff/LICENSE-APACHE."
} >"$root/usr/share/doc/handoff/copyright"

description_short="Move files between you and your coding agent"
description_long="Handoff saves what you drop, paste or pick where a coding agent (Claude
Code, Codex, Gemini CLI, any ACP agent) can read it, and brings back what
the agent makes or publishes, with previews, Save as, Open and Reveal."

# .deb: the libraries the programs link decide the dependencies.
mkdir -p "$out" "$stage/shlibs/debian"
echo "Source: handoff" >"$stage/shlibs/debian/control"
depends="$(cd "$stage/shlibs" && dpkg-shlibdeps -O "$root/usr/bin/handoff-app" "$root/usr/bin/handoff" 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')"
[ -n "$depends" ] || { echo "package: could not read the programs' library dependencies" >&2; exit 1; }
install -d "$root/DEBIAN"
{
  echo "Package: handoff"
  echo "Version: $version"
  echo "Architecture: $arch_deb"
  echo "Maintainer: The Handoff developers <handoff@localhost>"
  echo "Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)"
  echo "Depends: $depends"
  echo "Recommends: git, openssh-client"
  echo "Section: devel"
  echo "Priority: optional"
  echo "Description: $description_short"
  sed 's/^/ /' <<<"$description_long"
} >"$root/DEBIAN/control"
deb="$out/handoff_${version}_${arch_deb}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
rm -rf "$root/DEBIAN"
echo "package: $deb ($(du -h "$deb" | cut -f1))"

# .rpm: rpmbuild reads the libraries' sonames into its requirements itself.
mkdir -p "$stage/rpm"
cat >"$stage/handoff.spec" <<EOF
Name: handoff
Version: $version
Release: 1
Summary: $description_short
License: MIT OR Apache-2.0
BuildArch: $arch_rpm
Recommends: git, openssh-clients

%description
$description_long

%install
cp -a "$root/." %{buildroot}/

%files
/usr/bin/handoff-app
/usr/bin/handoff
/usr/share/applications/handoff.desktop
/usr/share/icons/hicolor/*/apps/handoff.png
%license /usr/share/doc/handoff/LICENSE-MIT
%license /usr/share/doc/handoff/LICENSE-APACHE
%doc /usr/share/doc/handoff/README.md
%doc /usr/share/doc/handoff/copyright
EOF
rpmbuild -bb --quiet \
  --define "_topdir $stage/rpm" \
  --define "_rpmdir $out" \
  --define "_build_id_links none" \
  --define "__strip /bin/true" \
  "$stage/handoff.spec"
rpm="$out/$arch_rpm/handoff-$version-1.$arch_rpm.rpm"
mv "$rpm" "$out/" && rmdir "$out/$arch_rpm"
echo "package: $out/handoff-$version-1.$arch_rpm.rpm ($(du -h "$out/handoff-$version-1.$arch_rpm.rpm" | cut -f1))"
