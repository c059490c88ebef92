#!/usr/bin/env bash
# Finds the cases behind a differing hash of a hashed conformance guest (alurand16, alurand32, alurand64):
# assembles it with --defsym VERBOSE=1 (one line per case), runs it under QEMU and minivmm, and
# prints the differing cases.
#   scripts/conformance/verbose-diff.sh alurand16 [MINIVMM]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
name="$1"
minivmm="${2:-$ROOT/src/MiniVmm/bin/Debug/net10.0/minivmm}"
src="$ROOT/guests/conformance/$name.S"
[[ -f "$src" ]] || { echo "verbose-diff: no $src" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
as --32 --defsym VERBOSE=1 -I "$ROOT/guests/conformance" -o "$work/$name.o" "$src"
ld -m elf_i386 -N -T "$ROOT/guests/conformance/rom.ld" -o "$work/$name.elf" "$work/$name.o" 2>/dev/null
objcopy -O binary --gap-fill 0xff --pad-to 0x10000 "$work/$name.elf" "$work/$name.rom"
sed -e "s|\"image\": *\"[^\"]*\"|\"image\": \"$work/$name.rom\"|" -e 's|"\$schema": *"[^"]*",||' \
    "$ROOT/configs/conformance/$name.json" > "$work/$name.json"
"$ROOT/scripts/conformance/run-qemu.sh" "$work/$name.rom" "$work/qemu.out" 120 || true
timeout 300 "$minivmm" --machine "$work/$name.json" > "$work/minivmm.out" 2>"$work/minivmm.log" || true
if diff "$work/qemu.out" "$work/minivmm.out" > "$work/diff"; then
    echo "verbose-diff: $name: no difference"
else
    grep '^[<>]' "$work/diff" | grep -v 'cases ' | head -40
    echo "verbose-diff: $name: $(grep -c '^<' "$work/diff") differing lines (< QEMU, > minivmm)"
fi
