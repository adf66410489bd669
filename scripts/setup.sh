#!/usr/bin/env bash
# Installs everything Portier needs on a fresh Debian 12 machine, idempotently.
# A second run does nothing but check (a few hundred ms).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages, one list for the whole project (what each is for is in scripts/apt-packages.txt).
mapfile -t pkgs < <(sed -e 's/#.*//' -e '/^\s*$/d' scripts/apt-packages.txt | awk '{print $1}')
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # A package that starts a system service on install (kamailio, mosquitto) must not keep
  # ports busy: tests start their own instances on free ports.
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  for svc in kamailio mosquitto tftpd-hpa; do
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
      $sudo systemctl disable --now "$svc" >/dev/null 2>&1 || true
    fi
  done
fi

# npm packages exactly as package-lock.json has them, only when it or package.json changed since the
# last install. `npm ci` never writes the lock (`npm install` may rewrite it, and a fresh clone would
# then show package-lock.json modified); it fails if the lock is out of sync with package.json: run
# `npm install` after changing a dependency, and commit the lock it writes. The lock lists the
# optional packages of every platform (e.g. Biome's darwin/windows binaries), as npm 11 writes it.
# Install scripts are off by package.json "allowScripts": koffi and esbuild ship prebuilt binaries.
stamp=node_modules/.portier-lock-hash
hash=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$hash" ]; then
  echo "setup: npm ci (from package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$hash" > "$stamp"
fi
