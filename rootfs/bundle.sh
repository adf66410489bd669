#!/usr/bin/env bash
# Builds the A/B disks of the emulated door phone and a signed RAUC bundle (`make bundle`).
#
#   rootfs/bundle.sh [--build-dir DIR] [--version V] [--out FILE] [--cert PEM --key PEM] [--agent-cmd CMD]
#
# Without --out only the disks (rootfs/build/out/ab) are built. A bundle is made again only when its
# inputs changed (OUT.stamp holds their hash). The bundle holds the slot root file
# system with V (default: package.json's version) in its manifest and /etc/portier/firmware-version,
# compatible `portier-door-qemu`, signed with the development key made at build time
# (rootfs/build/keys) unless --cert/--key name another. --agent-cmd replaces the agent's command
# (tests: a version whose agent does not start).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
BUILD=$HERE/build
OUT= VERSION= CERT= KEY= AGENT_CMD=
while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) BUILD=$2; shift 2 ;;
    --version) VERSION=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --cert) CERT=$2; shift 2 ;;
    --key) KEY=$2; shift 2 ;;
    --agent-cmd) AGENT_CMD=$2; shift 2 ;;
    *) echo "usage: $0 [--build-dir DIR] [--version V] [--out FILE] [--cert PEM --key PEM] [--agent-cmd CMD]" >&2; exit 2 ;;
  esac
done
bash "$HERE/build.sh" --build-dir "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
. "$HERE/steps/common.sh"
. "$HERE/steps/userland.sh"
. "$HERE/steps/ab.sh"
exec 9> "$BUILD/.lock"
flock 9
ab_build
[ -n "$OUT" ] || exit 0
VERSION=${VERSION:-$(node -p "require('$REPO/package.json').version")}
CERT=${CERT:-$BUILD/keys/dev.cert.pem} KEY=${KEY:-$BUILD/keys/dev.key.pem}
# cached: the same inputs (the A/B build's stamp covers the image, the agent and rootfs/ab) make the same bundle
key=$(hash_inputs "$(cat "$BUILD/stamps/ab")" "$VERSION" "$AGENT_CMD" "file:$CERT" "file:$KEY" "file:$HERE/steps/ab.sh")
if [ -f "$OUT" ] && [ "$(cat "$OUT.stamp" 2>/dev/null)" = "$key" ]; then
  say "bundle $OUT: up to date (version $VERSION)"
  exit 0
fi
rm -f "$OUT.stamp"
bundle_make "$OUT" "$VERSION" "$CERT" "$KEY" "$AGENT_CMD"
printf '%s' "$key" > "$OUT.stamp"
