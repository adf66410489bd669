# The A/B variant of the emulated door phone (`make bundle`): a root file system for the slots (the
# userland and the agent of the initramfs image, plus RAUC with its libraries, its system.conf and
# the keyring), an ext4 image of it, the disks (slot A written, slot B empty, data), the boot stage
# initramfs (busybox, block and ext4 modules, rootfs/ab/boot-init) and a development signing key
# made here once (rootfs/build/keys, never committed). Bundles are made by bundle_make.
#   out/ab/boot.cpio  out/ab/slot-a.img  out/ab/slot-b.img  out/ab/data.img  out/ab/rootfs.ext4
#   out/ab/ab.json    keys/dev.key.pem keys/dev.cert.pem (the keyring of the image is the cert)

AB_COMPATIBLE=portier-door-qemu
AB_SLOT_MB=512
AB_DATA_MB=512
AB_BINS="/usr/bin/rauc /usr/bin/unsquashfs /usr/bin/dbus-daemon"

ab_keys() {
  local k=$BUILD/keys
  [ -f "$k/dev.key.pem" ] && [ -f "$k/dev.cert.pem" ] && return
  mkdir -p "$k"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/O=Portier/CN=Portier development key" \
    -keyout "$k/dev.key.pem.tmp" -out "$k/dev.cert.pem.tmp" 2>/dev/null || die "openssl could not make the development key"
  mv "$k/dev.key.pem.tmp" "$k/dev.key.pem"
  mv "$k/dev.cert.pem.tmp" "$k/dev.cert.pem"
  say "development signing key made: $k (not for products: see README, Firmware updates)"
}

# ab_slot_tree DIR VERSION: the root file system of a slot.
ab_slot_tree() {
  local t=$1 version=$2 f
  rm -rf "$t"
  cp -a "$BUILD/userland" "$t"
  cp -a "$BUILD/agent/." "$t/"
  cp -a "$HERE/ab/slot/." "$t/"
  for f in $AB_BINS; do
    command -v "$f" >/dev/null || die "$f is missing: install rauc and squashfs-tools (make setup)"
    cp "$f" "$t$f"
  done
  for f in $(libs_of $AB_BINS); do
    mkdir -p "$t$(dirname "$f")"
    [ -e "$t$f" ] || cp -L "$f" "$t$f"
  done
  sed -i "s/@COMPATIBLE@/$AB_COMPATIBLE/" "$t/etc/rauc/system.conf"
  cp "$BUILD/keys/dev.cert.pem" "$t/etc/rauc/keyring.pem"
  # the system bus's well-known path is /var/run/dbus/system_bus_socket, /var/run is /run
  mkdir -p "$t/var"
  ln -sfn ../run "$t/var/run"
  echo "$version" > "$t/etc/portier/firmware-version"
  echo "$AB_COMPATIBLE" > "$t/etc/portier/compatible"
  chmod 755 "$t/usr/lib/portier/boot-state" "$t"/etc/portier/{rauc-run,dbus-run,boot-watchdog}
}

# ab_ext4 DIR IMAGE: an ext4 image of DIR, sized to its content (+25% and 24 MB), a multiple of 4 KiB.
ab_ext4() {
  local mb
  mb=$(du -sm "$1" | cut -f1)
  mb=$((mb + mb / 4 + 24))
  rm -f "$2"
  mke2fs -q -t ext4 -L rootfs -E root_owner=0:0 -d "$1" "$2" "${mb}M" || die "mke2fs failed for $2"
}

ab_build() {
  local out=$BUILD/out/ab key t0 version
  t0=$(now_ms)
  version=${AB_VERSION:-$(node -p "require('$REPO/package.json').version")}
  ab_keys
  key=$(hash_inputs "$(cat "$BUILD/stamps/image")" "$version" "$(tree_hash "$HERE/ab")" "file:$HERE/steps/ab.sh" \
    "file:$BUILD/keys/dev.cert.pem" "$(dpkg-query -W -f '${Version}' rauc 2>/dev/null)")
  if cached ab "$key" && [ -f "$out/data.img" ]; then return; fi
  mkdir -p "$out"
  ab_slot_tree "$BUILD/slot" "$version"
  ab_ext4 "$BUILD/slot" "$out/rootfs.ext4"
  # slot A holds this version, slot B is empty (written by the first update), data is empty ext4
  rm -f "$out/slot-a.img" "$out/slot-b.img" "$out/data.img"
  cp --sparse=always "$out/rootfs.ext4" "$out/slot-a.img"
  truncate -s "${AB_SLOT_MB}M" "$out/slot-a.img" "$out/slot-b.img"
  truncate -s "${AB_DATA_MB}M" "$out/data.img"
  mke2fs -q -t ext4 -L data "$out/data.img" || die "mke2fs failed for the data disk"

  # the boot stage: busybox, the kernel modules of the userland, its init
  local b=$BUILD/boot f
  rm -rf "$b"
  mkdir -p "$b"/usr/{bin,sbin,lib} "$b"/{dev,proc,sys,run,tmp,newroot,data}
  ln -s usr/bin "$b/bin"
  ln -s usr/sbin "$b/sbin"
  ln -s usr/lib "$b/lib"
  cp /bin/busybox "$b/usr/bin/busybox"
  for f in $(/bin/busybox --list-full); do
    [ -e "$b/$f" ] || [ -L "$b/$f" ] || ln -s /usr/bin/busybox "$b/$f"
  done
  cp -a "$BUILD/userland/usr/lib/modules" "$b/usr/lib/"
  cp "$HERE/ab/boot-init" "$b/init"
  chmod 755 "$b/init"
  make_cpio "$b" "$out/boot.cpio"
  cat > "$out/ab.json" <<JSON
{
  "vmlinux": "$BUILD/out/vmlinux",
  "initrd": "$out/boot.cpio",
  "slotA": "$out/slot-a.img",
  "slotB": "$out/slot-b.img",
  "data": "$out/data.img",
  "version": "$version",
  "compatible": "$AB_COMPATIBLE",
  "cert": "$BUILD/keys/dev.cert.pem",
  "key": "$BUILD/keys/dev.key.pem"
}
JSON
  stamp ab "$key"
  say "A/B disks ready: $out (version $version, rootfs $(du -h --apparent-size "$out/rootfs.ext4" | cut -f1)) ($(($(now_ms) - t0)) ms)"
}

# bundle_make OUT VERSION CERT KEY [AGENT_CMD]: a RAUC bundle of the slot root file system with VERSION in
# its manifest and in /etc/portier/firmware-version, signed with CERT/KEY. AGENT_CMD, for tests,
# replaces the agent's command line in the slot (e.g. `exit 3`: a version whose agent does not start).
bundle_make() {
  local out=$1 version=$2 cert=$3 keyf=$4 agent_cmd=${5:-} t0 d
  t0=$(now_ms)
  command -v mksquashfs >/dev/null || die "mksquashfs is missing: install squashfs-tools (make setup)"
  d=$(mktemp -d "$BUILD/bundle.XXXXXX")
  # a build stopped half-way (Ctrl-C, a test's time limit) leaves no work dir behind
  trap 'rm -rf "$d"' EXIT
  ab_slot_tree "$d/tree" "$version"
  if [ -n "$agent_cmd" ]; then
    sed -i "s|^\(GLIBC_TUNABLES=[^ ]* \)\{0,1\}/usr/bin/node .*/opt/portier/portier.mjs run .*&\$|sh -c '$agent_cmd' \&|" "$d/tree/etc/portier/agent-run"
    grep -q "sh -c '$agent_cmd'" "$d/tree/etc/portier/agent-run" || die "could not replace the agent's command"
  fi
  mkdir -p "$d/content"
  ab_ext4 "$d/tree" "$d/content/rootfs.ext4"
  cat > "$d/content/manifest.raucm" <<MANIFEST
[update]
compatible=$AB_COMPATIBLE
version=$version
description=Portier door phone (QEMU) $version
build=$(date -u +%Y%m%dT%H%M%SZ)

[image.rootfs]
filename=rootfs.ext4
MANIFEST
  rm -f "$out"
  rauc bundle --cert="$cert" --key="$keyf" "$d/content" "$out" >"$d/rauc.log" 2>&1 || { cat "$d/rauc.log" >&2; rm -rf "$d"; die "rauc bundle failed"; }
  rm -rf "$d"
  trap - EXIT
  say "bundle $out: version $version, $(du -h "$out" | cut -f1) ($(($(now_ms) - t0)) ms)"
}
