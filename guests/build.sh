#!/usr/bin/env bash
# Assembles every guest program under guests/ with GNU binutils (as, ld, objcopy).
#
#   guests/build.sh                 rebuild the committed images next to their sources
#   guests/build.sh --out DIR       build into DIR (same relative layout), leaving guests/ untouched;
#                                   the image test uses this to check the committed images are current
#
# Each source gets exactly one image, chosen by its folder:
#   seed/NAME.S         -> seed/NAME.bin          flat binary linked at the guest's load address
#   flat/NAME.S         -> flat/NAME.bin          flat real-mode binary linked at 0x1000 (test guests)
#   conformance/NAME.S  -> conformance/NAME.rom   64 KiB ROM, reset vector at 0xfff0 (rom.ld)
#   pc/NAME.S           -> pc/NAME.rom            the same ROM layout, for the shipped machines (configs/pc.json)
#   bench/NAME.S        -> bench/NAME.rom         the same ROM layout, benchmark guests (configs/bench/NAME.json)
#   multiboot/NAME.S    -> multiboot/NAME.elf     ELF32 Multiboot kernel (multiboot.ld)
#   linuxboot/NAME.S    -> linuxboot/NAME.bzImage a stand-in bzImage (setup with boot header, then the body), linked at 0
#   disk/NAME.S         -> disk/NAME.bin          a 512-byte boot sector linked at 0x7c00 (the BIOS loads it from a disk)
#   gdb/NAME.S          -> gdb/NAME.elf           a Multiboot ELF32 kernel: NAME.S's entry and NAME.c, with symbols and DWARF (gcc -m32)
# A source that matches no rule is an error, so no guest silently goes unbuilt.
set -euo pipefail

GUESTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$GUESTS"

while [[ $# -gt 0 ]]; do
    case "$1" in
        --out) OUT="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
        -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "build.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done

for tool in as ld objcopy; do
    command -v "$tool" >/dev/null || { echo "build.sh: '$tool' not found; install binutils" >&2; exit 3; }
done

# binutils >= 2.39 warns about the single RWX segment every flat guest has; silence it where supported.
LDFLAGS=(-m elf_i386 -N)
if ld --help 2>/dev/null | grep -- --no-warn-rwx-segments >/dev/null; then  # (no -q: SIGPIPE + pipefail)
    LDFLAGS+=(--no-warn-rwx-segments); fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Load address of each seed guest (SEED.md): where the VMM copies the image.
seed_link_address() {
    case "$1" in
        add) echo 0x1000 ;;
        counter) echo 0x0 ;;
        *) echo "build.sh: no load address known for seed/$1.S" >&2; exit 4 ;;
    esac
}

build_one() {
    local src="$1" rel dir name obj elf
    rel="${src#"$GUESTS"/}"
    dir="$(dirname "$rel")"
    name="$(basename "$rel" .S)"
    obj="$WORK/$dir/$name.o"
    elf="$WORK/$dir/$name.elf"
    mkdir -p "$WORK/$dir" "$OUT/$dir"
    as --32 -I "$GUESTS/$dir" -I "$GUESTS/conformance" -o "$obj" "$src"
    case "$dir" in
        seed)
            ld "${LDFLAGS[@]}" -e _start -Ttext="$(seed_link_address "$name")" -o "$elf" "$obj"
            objcopy -O binary "$elf" "$OUT/$dir/$name.bin" ;;
        flat)
            ld "${LDFLAGS[@]}" -e _start -Ttext=0x1000 -o "$elf" "$obj"
            objcopy -O binary "$elf" "$OUT/$dir/$name.bin" ;;
        conformance|pc|bench)
            ld "${LDFLAGS[@]}" -T "$GUESTS/conformance/rom.ld" -o "$elf" "$obj"
            objcopy -O binary --gap-fill 0xff --pad-to 0x10000 "$elf" "$OUT/$dir/$name.rom"
            local size
            size="$(stat -c %s "$OUT/$dir/$name.rom")"
            [[ "$size" == 65536 ]] || { echo "build.sh: $rel: ROM is $size bytes, not 65536" >&2; exit 5; } ;;
        linuxboot)
            ld "${LDFLAGS[@]}" -e _start -Ttext=0 -o "$elf" "$obj"
            objcopy -O binary "$elf" "$OUT/$dir/$name.bzImage" ;;
        disk)
            ld "${LDFLAGS[@]}" -e _start -Ttext=0x7c00 -o "$elf" "$obj"
            objcopy -O binary "$elf" "$OUT/$dir/$name.bin"
            [[ "$(stat -c %s "$OUT/$dir/$name.bin")" == 512 ]] || { echo "build.sh: $rel: a boot sector is 512 bytes" >&2; exit 5; } ;;
        multiboot)
            ld "${LDFLAGS[@]}" -T "$GUESTS/multiboot/multiboot.ld" -o "$OUT/$dir/$name.elf" "$obj" ;;
        gdb)
            command -v gcc >/dev/null || { echo "build.sh: '$rel' needs gcc for $dir/$name.c" >&2; exit 3; }
            # Paths in the DWARF are relative to guests/, so a build anywhere gives the same bytes.
            (cd "$GUESTS" && gcc -m32 -march=i386 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
                -fno-asynchronous-unwind-tables -fno-builtin -O0 -g -fdebug-prefix-map="$GUESTS"=. \
                -c "$dir/$name.c" -o "$WORK/$dir/$name.c.o")
            ld "${LDFLAGS[@]}" -T "$GUESTS/multiboot/multiboot.ld" -o "$OUT/$dir/$name.elf" "$obj" "$WORK/$dir/$name.c.o" ;;
        *)
            echo "build.sh: no build rule for $rel" >&2; exit 4 ;;
    esac
}

while IFS= read -r -d '' src; do
    build_one "$src"
done < <(find "$GUESTS" -name '*.S' -print0 | sort -z)
