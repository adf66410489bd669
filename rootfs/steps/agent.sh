# The agent and the device's own files: the bundled agent (rootfs/agent-bundle.ts, the one bundler the
# benches use too; koffi stays a package, in the userland), the init scripts of rootfs/overlay, and the
# gpio-sim line table made from the default config. Packed as a second cpio appended to the userland
# one (the kernel unpacks both), so a change of the agent rebuilds seconds' worth, not the whole userland.

agent_build() {
  AGENT_CPIO=$BUILD/agent.cpio
  local t0 t lines_key
  t0=$(now_ms)
  t=$BUILD/agent
  rm -rf "$t"
  mkdir -p "$t/opt/portier" "$t/etc/portier"
  (cd "$REPO" && node --import tsx rootfs/agent-bundle.ts "$t/opt/portier/portier.mjs")
  cp -a "$HERE/overlay/." "$t/"
  # executable whatever the checkout kept (a /init that is not executable panics the kernel)
  chmod 755 "$t/init" "$t"/etc/portier/{agent-run,agent-stop,ctl-serve,gpio-setup,udhcpc.script} "$t"/usr/bin/{gpio-sim,portier}
  # The web UI's static files (`make ui`), where the bundle looks for them (agent/parts/web.ts: ../../build/ui).
  if [ -d "$REPO/build/ui" ]; then mkdir -p "$t/build" && cp -a "$REPO/build/ui" "$t/build/"; fi

  # The line table changes only with the config schema: cached by its sources.
  lines_key=$(hash_inputs "file:$HERE/gpio-lines.ts" $(find "$REPO/agent/config" -name '*.ts' | LC_ALL=C sort | sed 's/^/file:/'))
  if ! cached gpio-lines "$lines_key" || [ ! -f "$BUILD/gpio-lines" ]; then
    (cd "$REPO" && node --import tsx rootfs/gpio-lines.ts) > "$BUILD/gpio-lines.tmp"
    mv "$BUILD/gpio-lines.tmp" "$BUILD/gpio-lines"
    stamp gpio-lines "$lines_key"
  fi
  cp "$BUILD/gpio-lines" "$t/etc/portier/gpio-lines"

  local key
  key=$(tree_hash "$t")
  if cached agent "$key" && [ -f "$AGENT_CPIO" ]; then
    say "agent unchanged ($(($(now_ms) - t0)) ms)"
    return
  fi
  make_cpio "$t" "$AGENT_CPIO"
  stamp agent "$key"
  say "agent bundled: $(du -ch "$t"/opt/portier/portier*.mjs | tail -1 | cut -f1) ($(($(now_ms) - t0)) ms)"
}

image_assemble() {
  local out=$BUILD/out key
  key=$(hash_inputs "$(cat "$BUILD/stamps/userland" "$BUILD/stamps/agent")" "$KREL")
  if cached image "$key" && [ -f "$out/initrd.cpio" ] && [ -f "$out/vmlinux" ]; then return; fi
  cat "$USERLAND_CPIO" "$AGENT_CPIO" > "$out/initrd.cpio.tmp"
  mv "$out/initrd.cpio.tmp" "$out/initrd.cpio"
  cp "$KDIR/vmlinux" "$out/vmlinux.tmp"
  mv "$out/vmlinux.tmp" "$out/vmlinux"
  cat > "$out/image.json" <<JSON
{
  "kernel": "$KREL",
  "kernelVersion": "$KVER",
  "vmlinux": "$out/vmlinux",
  "initrd": "$out/initrd.cpio",
  "node": "$(node --version)",
  "builtAt": "$(date -u +%FT%TZ)"
}
JSON
  stamp image "$key"
}
