#!/usr/bin/env bash
# Runs one conformance ROM under QEMU TCG, the reference.
#   run-qemu.sh GUEST.rom SERIAL_OUT [TIMEOUT_SECONDS]
# Writes the guest's serial bytes to SERIAL_OUT and exits with QEMU's status: (v << 1) | 1 when
# the guest wrote v to isa-debug-exit, 0 for a shutdown (triple fault; -no-reboot), 124 on timeout.
set -uo pipefail
rom="$1" out="$2" limit="${3:-60}"
: > "$out"
exec timeout --kill-after=5 "$limit" qemu-system-x86_64 -accel tcg -bios "$rom" \
    -display none -serial "file:$out" -monitor none -nodefaults \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot
