#!/usr/bin/env bash
# Host CPU an idle guest costs: guests/pc/idle.rom (100 Hz PIT interrupt, HLT loop, one dot a
# second) runs for SECONDS under minivmm's software CPU, under KVM where /dev/kvm opens, and under
# QEMU TCG as the reference. Prints CPU seconds (user+sys of the process and its threads) and the
# share of one core each used. An idle VMM should sleep until the next timer event: near zero.
#   scripts/idle-cpu.sh [seconds]     (default 10)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-10}"

dotnet build src/MiniVmm -c Release -v quiet -nologo >&2
minivmm=src/MiniVmm/bin/Release/net10.0/minivmm
rom=guests/pc/idle.rom

# cpu_of CMD...: runs CMD with its output captured in $out and prints "<cpu seconds> <dots>".
cpu_of() {
    local report
    report=$( { "$@" > /tmp/idle-cpu.$$ 2>/dev/null || true; times; } | tail -n 1)
    # `times` prints the children's "XmY.YYYs XmY.YYYs" (user, system) on its last line.
    local cpu
    cpu=$(echo "$report" | awk '{ split($1, u, "m"); split($2, s, "m"); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
    echo "$cpu $(tr -cd '.' < /tmp/idle-cpu.$$ | wc -c)"
    rm -f /tmp/idle-cpu.$$
}

row() {  # row LABEL CPU DOTS
    printf '%-22s %6.2f CPU-s in %s s = %5.1f%% of a core  (%s timer seconds seen)\n' "$1" "$2" "$seconds" \
        "$(awk -v c="$2" -v s="$seconds" 'BEGIN { print 100 * c / s }')" "$3"
}

read -r cpu dots < <(cpu_of "$minivmm" --machine configs/idle.json --accel soft --timeout "${seconds}s")
row "minivmm soft" "$cpu" "$dots"
if [[ -r /dev/kvm && -w /dev/kvm ]]; then
    read -r cpu dots < <(cpu_of "$minivmm" --machine configs/idle.json --accel kvm --timeout "${seconds}s")
    row "minivmm kvm" "$cpu" "$dots"
fi
if command -v qemu-system-x86_64 >/dev/null; then
    # -apic: without firmware the local APIC's LINT0 stays masked and the 8259's INTR never reaches the CPU.
    read -r cpu dots < <(cpu_of timeout "$seconds" qemu-system-x86_64 -accel tcg -cpu qemu64,-apic -m 16 -bios "$rom" -display none \
        -serial stdio -monitor none -no-reboot)
    row "QEMU TCG" "$cpu" "$dots"
fi
# A start-and-stop with no time in the guest: the fixed cost (runtime start-up, JIT) inside the figures above.
read -r cpu dots < <(cpu_of "$minivmm" --machine configs/idle.json --accel soft --timeout 1ms)
row "minivmm start+stop" "$cpu" "$dots"
