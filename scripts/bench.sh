#!/usr/bin/env bash
# Runs every benchmark in bench/ (each prints its figures and its reference in the same run).
set -euo pipefail
cd "$(dirname "$0")/.."
for f in $(find bench -name '*.bench.ts' | sort); do
  echo "== $f"
  node --import tsx "$f"
done
