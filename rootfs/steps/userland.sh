# The device's userland, taken from this (Debian 12) machine: busybox-static for the shell and init,
# the host's node binary, baresip-core with all its modules, aplay and the ALSA config, every shared
# library they need, koffi (the FFI the gpiod driver uses), and the kernel modules (+ gpio-sim).
# Merged /usr layout, as on Debian 12.

NODE_BIN=$(command -v node)
USERLAND_BINS="/usr/bin/baresip /usr/bin/aplay"

# libs_of FILES...: the shared libraries (and the dynamic loader) the files load, as absolute paths.
libs_of() {
  ldd "$@" 2>/dev/null | awk '/=> \// { print $3 } /^[ \t]*\/.*ld-linux/ { print $1 }' | LC_ALL=C sort -u
}

userland_build() {
  USERLAND_CPIO=$BUILD/userland.cpio
  local koffi_ver key
  koffi_ver=$(node -p "require('$REPO/node_modules/koffi/package.json').version")
  key=$(hash_inputs "$KREL" "$(cat "$BUILD/stamps/kernel")" "file:$GPIO_SIM_KO" "$NODE_BIN $(stat -c '%s %Y' "$NODE_BIN")" \
    "$(dpkg-query -W -f '${Package} ${Version}\n' busybox-static baresip-core alsa-utils libasound2 2>/dev/null)" \
    "koffi $koffi_ver" "file:$HERE/steps/userland.sh")
  cached userland "$key" && [ -f "$USERLAND_CPIO" ] && return
  local t0 t f bins
  t0=$(now_ms)
  t=$BUILD/userland
  rm -rf "$t"
  mkdir -p "$t"/usr/{bin,sbin,lib,lib64} "$t"/{dev,proc,sys,run,tmp,data,root,etc,mnt,opt/portier}
  ln -s usr/bin "$t/bin"
  ln -s usr/sbin "$t/sbin"
  ln -s usr/lib "$t/lib"
  ln -s usr/lib64 "$t/lib64"
  chmod 1777 "$t/tmp"

  # busybox and its applets
  cp /bin/busybox "$t/usr/bin/busybox"
  for f in $(/bin/busybox --list-full); do
    [ -e "$t/$f" ] || [ -L "$t/$f" ] || ln -s /usr/bin/busybox "$t/$f"
  done

  # node, baresip (+ modules and sounds), aplay, ALSA config
  cp "$NODE_BIN" "$t/usr/bin/node"
  bins=("$NODE_BIN")
  for f in $USERLAND_BINS; do
    [ -x "$f" ] || continue
    rm -f "$t$f"
    cp "$f" "$t$f"
    bins+=("$f")
  done
  mkdir -p "$t/usr/lib/baresip" "$t/usr/share"
  cp -a /usr/lib/baresip/modules "$t/usr/lib/baresip/"
  cp -a /usr/share/baresip "$t/usr/share/"
  [ -d /usr/share/alsa ] && cp -a /usr/share/alsa "$t/usr/share/"
  bins+=(/usr/lib/baresip/modules/*.so)

  # koffi, with only the native build for this platform
  local nm=$t/opt/portier/node_modules
  mkdir -p "$nm/@koromix/koffi-linux-x64"
  cp -a "$REPO/node_modules/koffi" "$nm/"
  rm -rf "$nm/koffi/doc" "$nm/koffi/vendor"
  cp -a "$REPO/node_modules/@koromix/koffi-linux-x64/"{package.json,index.js,linux_x64} "$nm/@koromix/koffi-linux-x64/"
  bins+=("$nm/@koromix/koffi-linux-x64/linux_x64/koffi.node")

  # every shared library, at the path the loader looks for it (through the merged-/usr links)
  for f in $(libs_of "${bins[@]}"); do
    mkdir -p "$t$(dirname "$f")"
    [ -e "$t$f" ] || cp -L "$f" "$t$f"
  done

  # kernel modules, gpio-sim among them, with a modules.dep for modprobe
  cp -a "$KDIR/modroot/lib/modules" "$t/usr/lib/"
  mkdir -p "$t/usr/lib/modules/$KREL/extra"
  cp "$GPIO_SIM_KO" "$t/usr/lib/modules/$KREL/extra/"
  depmod -b "$t" "$KREL"

  make_cpio "$t" "$USERLAND_CPIO"
  stamp userland "$key"
  say "userland assembled: $(du -sh "$t" | cut -f1) ($(($(now_ms) - t0)) ms)"
}
