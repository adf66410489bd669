# The current Debian kernel: resolved at build time (the archive keeps only the newest), downloaded
# with apt-get download, and unpacked to an uncompressed vmlinux (booted through PVH: faster under TCG
# than the bzImage) plus the few modules the device needs, with their dependencies.

# Modules loaded by the device's init (dependencies are added), sound modules for baresip, and for the
# A/B disks of `make bundle`: block, ext4, and squashfs + loop (RAUC mounts its bundles).
KERNEL_MODULES="configfs virtio_pci virtio_console virtio_net snd-aloop snd-dummy virtio_blk ext4 crc32c_generic squashfs loop"

kernel_resolve() {
  # apt-cache takes ~0.6 s a call: the answer is kept until the package lists change.
  local lists env=$BUILD/kernel.env
  lists=$( (stat -c '%Y' /var/lib/apt/lists /var/cache/apt/pkgcache.bin 2>/dev/null || true) | tr '\n' ' ')
  if [ -f "$env" ] && [ "$(head -1 "$env")" = "# $lists" ]; then
    . "$env"
  else
    KREL=$(apt-cache depends linux-image-amd64 2>/dev/null |
      awk '/Depends: linux-image-[0-9]/ { sub("linux-image-", "", $2); print $2; exit }')
    [ -n "$KREL" ] || die "cannot resolve Debian's kernel (linux-image-amd64): run apt-get update"
    KVER=$(apt-cache policy "linux-image-$KREL" | awk '/Candidate:/ { print $2 }')
    KSERIES=$(echo "$KREL" | cut -d. -f1,2)
    local common kbuild
    common=$(apt-cache depends "linux-headers-$KREL" | awk '/Depends: linux-headers-.*-common/ { print $2; exit }')
    kbuild=$(apt-cache depends "linux-headers-$KREL" | awk '/Depends: linux-kbuild-/ { print $2; exit }')
    KPKGS="linux-image-$KREL linux-headers-$KREL $common $kbuild linux-source-$KSERIES"
    printf '# %s\nKREL=%s\nKVER=%s\nKSERIES=%s\nKPKGS="%s"\n' "$lists" "$KREL" "$KVER" "$KSERIES" "$KPKGS" > "$env"
  fi
  say "kernel $KREL ($KVER)"
}

# deb_file NAME: the downloaded package file of NAME at $KVER.
deb_file() {
  local f
  for f in "$DOWNLOADS/$1_${KVER}_"*.deb; do [ -f "$f" ] && echo "$f" && return; done
  return 0
}

kernel_fetch() {
  local p missing=()
  for p in $KPKGS; do [ -n "$(deb_file "$p")" ] || missing+=("$p=$KVER"); done
  [ ${#missing[@]} -eq 0 ] && return
  say "downloading ${missing[*]}"
  (cd "$DOWNLOADS" && apt-get download -q "${missing[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2) ||
    die "download failed: ${missing[*]}"
  for p in $KPKGS; do [ -n "$(deb_file "$p")" ] || die "package $p $KVER was not downloaded"; done
}

kernel_unpack() {
  KDIR=$BUILD/kernel/$KREL
  local key
  key=$(hash_inputs "$KREL" "$KVER" "$KERNEL_MODULES" "file:$HERE/steps/kernel.sh")
  cached kernel "$key" && [ -f "$KDIR/vmlinux" ] && return
  local t0 tmp pkg off
  t0=$(now_ms)
  tmp=$KDIR.tmp
  rm -rf "$tmp" "$KDIR"
  mkdir -p "$tmp"
  pkg=$tmp/pkg
  dpkg-deb -x "$(deb_file "linux-image-$KREL")" "$pkg"
  # vmlinuz is a bzImage whose payload is one xz stream: decompress it to the ELF vmlinux.
  off=$(LC_ALL=C grep -m1 -obUaP '\xFD7zXZ\x00' "$pkg/boot/vmlinuz-$KREL" | cut -d: -f1)
  [ -n "$off" ] || die "no xz payload in vmlinuz-$KREL"
  (tail -c +$((off + 1)) "$pkg/boot/vmlinuz-$KREL" || true) | xz -dc --single-stream > "$tmp/vmlinux"
  # The modules the device needs, with what they depend on.
  local src=$pkg/lib/modules/$KREL dst=$tmp/modroot/lib/modules/$KREL
  local queue=($KERNEL_MODULES) seen=" " m f rel dep
  mkdir -p "$dst"
  while [ ${#queue[@]} -gt 0 ]; do
    m=${queue[0]}
    queue=("${queue[@]:1}")
    case $seen in *" $m "*) continue ;; esac
    seen="$seen$m "
    f=$(find "$src/kernel" -name "$(echo "$m" | sed 's/[-_]/[-_]/g').ko" -print -quit)
    [ -n "$f" ] || { grep -q "/$(echo "$m" | sed 's/[-_]/[-_]/g')\.ko" "$src/modules.builtin" && continue; die "module $m not found in $KREL"; }
    rel=${f#"$src"/}
    mkdir -p "$dst/$(dirname "$rel")"
    cp "$f" "$dst/$rel"
    for dep in $(modinfo -F depends "$f" | tr ',' ' '); do queue+=("$dep"); done
  done
  cp "$src"/modules.builtin "$src"/modules.builtin.modinfo "$src"/modules.order "$dst/"
  local count
  count=$(find "$dst" -name '*.ko' | wc -l)
  rm -rf "$pkg"
  mv "$tmp" "$KDIR"
  stamp kernel "$key"
  say "kernel unpacked: vmlinux + $count modules ($(($(now_ms) - t0)) ms)"
}
