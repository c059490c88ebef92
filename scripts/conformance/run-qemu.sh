#!/usr/bin/env bash
# Runs one conformance guest under QEMU TCG, the reference.
#   run-qemu.sh IMAGE SERIAL_OUT [TIMEOUT_SECONDS]
# IMAGE is a 64 KiB ROM (*.rom: booted with -bios, from the reset vector) or a Multiboot kernel
# (*.elf: booted with -kernel and -m 16M, its command line read from IMAGE's .cmdline file).
# A guest that needs more of QEMU's machine (a PCI device) lists the extra arguments in IMAGE's
# .qemuargs file (e.g. pciedu.qemuargs: -device edu,addr=4).
# Writes the guest's serial bytes to SERIAL_OUT and exits with QEMU's status: (v << 1) | 1 when
# the guest wrote v to isa-debug-exit, 0 for a shutdown (triple fault; -no-reboot), 124 on timeout.
set -uo pipefail
image="$1" out="$2" limit="${3:-60}"
: > "$out"
case "$image" in
    *.rom) boot=(-bios "$image") ;;
    *.elf)
        cmdline=""
        [[ -f "${image%.elf}.cmdline" ]] && cmdline="$(cat "${image%.elf}.cmdline")"
        boot=(-kernel "$image" -append "$cmdline" -m 16M) ;;
    *) echo "run-qemu.sh: $image is neither a .rom nor a .elf" >&2; exit 2 ;;
esac
extra=()
[[ -f "${image%.*}.qemuargs" ]] && read -r -a extra < "${image%.*}.qemuargs"
exec timeout --kill-after=5 "$limit" qemu-system-x86_64 -accel tcg "${boot[@]}" \
    -display none -serial "file:$out" -monitor none -nodefaults \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot "${extra[@]}"
