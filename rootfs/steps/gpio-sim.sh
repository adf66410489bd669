# gpio-sim built out of tree against the exact Debian kernel (Debian does not enable it): the three
# source files come from the linux-source package of the same version, the build system from the
# linux-headers and linux-kbuild packages. irq_sim.c is patched to call generic_handle_irq(), because
# irq_to_desc() is not exported to modules.

GPIO_SIM_SOURCES="drivers/gpio/gpio-sim.c drivers/gpio/gpiolib.h kernel/irq/irq_sim.c"

gpio_sim_build() {
  GPIO_SIM_KO=$BUILD/gpio-sim/$KREL/gpio-sim.ko
  local key
  key=$(hash_inputs "$KREL" "$KVER" "file:$HERE/gpio-sim/Kbuild" "file:$HERE/steps/gpio-sim.sh")
  cached gpio-sim "$key" && [ -f "$GPIO_SIM_KO" ] && return
  local t0 src hdr mod f
  t0=$(now_ms)

  # Sources: only three files of the 140 MB tarball (tar stops once it has them all).
  src=$BUILD/src/$KVER
  if [ ! -f "$src/.complete" ]; then
    rm -rf "$src"
    mkdir -p "$src"
    local tarball=$src/linux-source.tar.xz names=()
    dpkg-deb --fsys-tarfile "$(deb_file "linux-source-$KSERIES")" |
      tar -xO "./usr/src/linux-source-$KSERIES.tar.xz" > "$tarball"
    for f in $GPIO_SIM_SOURCES; do names+=("linux-source-$KSERIES/$f"); done
    tar -xJf "$tarball" -C "$src" --occurrence=1 "${names[@]}"
    rm -f "$tarball"
    touch "$src/.complete"
  fi

  # Build system: the headers of this kernel flavour, with their absolute include made relative.
  hdr=$BUILD/headers/$KREL
  if [ ! -f "$hdr/.complete" ]; then
    rm -rf "$hdr"
    mkdir -p "$hdr"
    for f in "linux-headers-$KREL" $(echo "$KPKGS" | tr ' ' '\n' | grep -E -- '-common$|^linux-kbuild-'); do
      dpkg-deb -x "$(deb_file "$f")" "$hdr"
    done
    sed -i "s#^include /usr/src/#include $hdr/usr/src/#" "$hdr/usr/src/linux-headers-$KREL/Makefile"
    touch "$hdr/.complete"
  fi

  mod=$BUILD/gpio-sim/$KREL
  rm -rf "$mod"
  mkdir -p "$mod"
  cp "$HERE/gpio-sim/Kbuild" "$mod/Kbuild"
  cp "$src/linux-source-$KSERIES/drivers/gpio/gpio-sim.c" "$mod/gpio-sim-main.c"
  cp "$src/linux-source-$KSERIES/drivers/gpio/gpiolib.h" "$mod/gpiolib.h"
  grep -q 'handle_simple_irq(irq_to_desc(irqnum));' "$src/linux-source-$KSERIES/kernel/irq/irq_sim.c" ||
    die "irq_sim.c of $KVER no longer calls handle_simple_irq(irq_to_desc(irqnum)): review the patch in steps/gpio-sim.sh"
  sed 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' \
    "$src/linux-source-$KSERIES/kernel/irq/irq_sim.c" > "$mod/irq_sim.c"
  make -s -C "$hdr/usr/src/linux-headers-$KREL" M="$mod" modules > "$mod/build.log" 2>&1 ||
    { cat "$mod/build.log" >&2; die "gpio-sim did not build"; }
  strip --strip-debug "$GPIO_SIM_KO"
  stamp gpio-sim "$key"
  say "gpio-sim built ($(($(now_ms) - t0)) ms)"
}
