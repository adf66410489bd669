#!/usr/bin/env bash
# Runs the test suites with node:test through tsx. Usage: scripts/test.sh [all|unit|integration|browser|qemu]...
set -euo pipefail
cd "$(dirname "$0")/.."
suites=("$@"); [ ${#suites[@]} -gt 0 ] || suites=(all)
[ "${suites[0]}" = all ] && suites=(unit integration browser qemu)
mkdir -p test-results
for s in "${suites[@]}"; do
  [ -d "test/$s" ] || continue
  mapfile -t files < <(find "test/$s" -name '*.test.ts' | sort)
  [ ${#files[@]} -gt 0 ] || continue
  echo "== $s: ${#files[@]} file(s)"
  # Unit tests run in parallel; suites with real processes run one file at a time (2 cores).
  conc=1; [ "$s" = unit ] && conc=2
  # A file's time limit: QEMU files boot VMs (test/qemu/firmware.test.ts boots its A/B VM 8 times, ~7 min).
  timeout=600000; [ "$s" = qemu ] && timeout=1800000
  node --import tsx --test --test-concurrency="$conc" --test-timeout="$timeout" --test-reporter=spec "${files[@]}"
done
