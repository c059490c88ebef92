#!/bin/sh
# Re-assembles every guest here: NAME.S -> NAME.bin, linked at the address its "# link:" line names.
# Needs binutils (as, ld). The tests check the committed .bin files are current.
set -eu
cd "$(dirname "$0")"
for src in *.S; do
    name=${src%.S}
    link=$(sed -n 's/^# link: *//p' "$src")
    if grep -q '^ *\.code64' "$src"; then as_flags=--64; ld_emul=elf_x86_64; else as_flags=--32; ld_emul=elf_i386; fi
    tmp=$(mktemp -d)
    as $as_flags -o "$tmp/$name.o" "$src"
    ld -m $ld_emul -e 0 -Ttext="$link" --oformat=binary -o "${1:-.}/$name.bin" "$tmp/$name.o"
    rm -rf "$tmp"
done
