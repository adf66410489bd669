#!/usr/bin/env bash
# Builds the emulated door phone for QEMU (x86-64): <build>/out/vmlinux and <build>/out/initrd.cpio.
#
#   rootfs/build.sh [--build-dir DIR] [--downloads DIR] [--fetch-only]
#                                           (default: rootfs/build, and downloads in
#                                            $PORTIER_CACHE or ~/.cache/portier/downloads, shared by checkouts)
#
# Steps (rootfs/steps/): resolve and download the current Debian kernel; build gpio-sim out of tree
# from Debian's kernel source; assemble the userland (busybox, node, baresip, kernel modules) and the
# agent (a bundled build of agent/cli.ts, init scripts). Each step is cached under the build dir by a
# hash of its inputs, so a second run with nothing changed only checks. Nothing here is committed.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
BUILD=$HERE/build
DOWNLOADS=
FETCH_ONLY=
while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) BUILD=$2; shift 2 ;;
    --downloads) DOWNLOADS=$2; shift 2 ;;
    --fetch-only) FETCH_ONLY=1; shift ;;
    *) echo "usage: $0 [--build-dir DIR] [--downloads DIR] [--fetch-only]" >&2; exit 2 ;;
  esac
done
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
DOWNLOADS=${DOWNLOADS:-${PORTIER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/portier}/downloads}
mkdir -p "$DOWNLOADS" "$BUILD/stamps" "$BUILD/out"
DOWNLOADS=$(cd "$DOWNLOADS" && pwd)
# One build at a time per build dir (test suites may start builds side by side).
exec 9> "$BUILD/.lock"
flock 9

. "$HERE/steps/common.sh"
. "$HERE/steps/kernel.sh"
. "$HERE/steps/gpio-sim.sh"
. "$HERE/steps/userland.sh"
. "$HERE/steps/agent.sh"

started=$(now_ms)
kernel_resolve
kernel_fetch
[ -z "$FETCH_ONLY" ] || exit 0
kernel_unpack
gpio_sim_build
userland_build
agent_build
image_assemble
say "image ready in $(( $(now_ms) - started )) ms: $BUILD/out (kernel $KREL)"
