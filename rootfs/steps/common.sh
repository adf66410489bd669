# Helpers shared by the build steps: logging, timing, and input-hash stamps for caching.

say() { echo "image: $*" >&2; }
die() { echo "image: error: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }

# hash_inputs WORDS...: a hash of strings and of the content of the files named `file:PATH`.
hash_inputs() {
  local a
  for a in "$@"; do
    case $a in
      file:*) sha256sum "${a#file:}" ;;
      *) printf '%s\n' "$a" ;;
    esac
  done | sha256sum | cut -c1-16
}

# cached NAME HASH: true when step NAME was last completed with inputs HASH.
cached() { [ -f "$BUILD/stamps/$1" ] && [ "$(cat "$BUILD/stamps/$1")" = "$2" ]; }
stamp() { printf '%s' "$2" > "$BUILD/stamps/$1"; }

# tree_hash DIR: content, modes and links of a directory tree.
tree_hash() {
  (cd "$1" && {
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
    find . -printf '%p %y %m %l\n' | LC_ALL=C sort
  }) | sha256sum | cut -c1-16
}

# make_cpio DIR FILE: an uncompressed newc archive of DIR owned by root (the kernel unpacks it fastest).
make_cpio() {
  (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$2.tmp"
  mv "$2.tmp" "$2"
}
