#!/usr/bin/env bash
# Builds the release tarball: protect-dl with the Swift runtime linked statically (it runs on a Linux machine with
# no Swift toolchain), stripped, with its man page, shell completions, systemd units and an example configuration.
# Usage: bash scripts/release.sh [OUTPUT-FOLDER]   (default: dist/)
#   PROTECT_DL_RELEASE_SCRATCH=.build reuses a release build made there (CI: the build its tests ran on; only
#   protect-dl's link is new), with PROTECT_DL_RELEASE_SWIFT_FLAGS the extra flags that build was made with (anything
#   else would compile it again).
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=${PROTECT_DL_RELEASE_SCRATCH:-.build-static}
# shellcheck disable=SC2206
flags=(${PROTECT_DL_RELEASE_SWIFT_FLAGS:-})
out=${1:-dist}
version=$(sed -n 's/.*version: "protect-dl \([^"]*\)".*/\1/p' Sources/protect-dl/ProtectDL.swift)
name="protect-dl-$version-linux-$(uname -m)"

echo "== release build of protect-dl $version, Swift runtime linked statically"
# PROTECT_DL_STATIC_RUNTIME makes the package link protect-dl with the static runtime (see Package.swift): unlike
# --static-swift-stdlib it changes only the link, so a build made for the tests is reused.
export PROTECT_DL_STATIC_RUNTIME=1
swift build -c release --scratch-path "$scratch" --product protect-dl "${flags[@]}"
# swift-argument-parser's manual generator, run on the built binary (its command definitions).
swift build -c release --scratch-path "$scratch" --product generate-manual "${flags[@]}"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/$name"
mkdir -p "$root/bin" "$root/share/man/man1" "$root/share/bash-completion/completions" \
    "$root/share/zsh/site-functions" "$root/share/fish/vendor_completions.d" "$root/share/doc/protect-dl"
strip -o "$root/bin/protect-dl" "$scratch/release/protect-dl"
binary="$root/bin/protect-dl"

# No Swift library may be needed at run time: only the C library, libstdc++ and SQLite of the system.
echo "== ldd $name/bin/protect-dl"
ldd "$binary" | sed 's/^/   /'
if ldd "$binary" | grep -Eq 'libswift|libFoundation|libdispatch|libBlocksRuntime|/opt/swift|not found'; then
    echo "release: the binary still needs a Swift library (or a library is missing); see ldd above" >&2
    exit 1
fi
# It runs with nothing of the toolchain in reach.
env -i PATH=/usr/bin:/bin "$binary" --version

"$scratch/release/generate-manual" "$binary" --output-directory "$root/share/man/man1" >/dev/null
"$binary" completions bash > "$root/share/bash-completion/completions/protect-dl"
"$binary" completions zsh > "$root/share/zsh/site-functions/_protect-dl"
"$binary" completions fish > "$root/share/fish/vendor_completions.d/protect-dl.fish"
cp contrib/systemd/*.service contrib/systemd/*.timer contrib/config.example.yaml README.md "$root/share/doc/protect-dl/"
grep -q '^\.Sh NAME' "$root/share/man/man1/protect-dl.1"

mkdir -p "$out"
tar -C "$stage" -czf "$out/$name.tar.gz" "$name"
echo "== $out/$name.tar.gz"
echo "   binary $(stat -c %s "$binary") bytes stripped ($(numfmt --to=iec "$(stat -c %s "$binary")")), tarball $(stat -c %s "$out/$name.tar.gz") bytes ($(numfmt --to=iec "$(stat -c %s "$out/$name.tar.gz")"))"
echo "   contents: $(tar -tzf "$out/$name.tar.gz" | grep -v '/$' | sed "s|^$name/||" | tr '\n' ' ')"
