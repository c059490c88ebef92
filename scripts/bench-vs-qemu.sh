#!/usr/bin/env bash
# Runs the same compute-bound guest (guests/pc/primes.rom) under QEMU TCG and under minivmm's
# software CPU, checks both print the same result, and prints their wall-clock times and the ratio.
#   scripts/bench-vs-qemu.sh [runs]        (default 3 runs each; the best time of each counts)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-3}"

if ! command -v qemu-system-x86_64 >/dev/null; then
    echo "bench-vs-qemu: installing qemu-system-x86" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >&2
fi
dotnet build src/MiniVmm -c Release -v quiet -nologo >&2
minivmm=src/MiniVmm/bin/Release/net10.0/minivmm
rom=guests/pc/primes.rom

now() { date +%s.%N; }
best() { sort -g | head -n 1; }

qemu_times=() minivmm_times=()
for ((i = 0; i < runs; i++)); do
    start=$(now)
    qemu_out=$(timeout 120 qemu-system-x86_64 -accel tcg -m 16 -bios "$rom" -display none -serial stdio -monitor none \
        -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4) || true
    qemu_times+=("$(awk -v a="$(now)" -v b="$start" 'BEGIN { print a - b }')")
    start=$(now)
    minivmm_out=$(timeout 300 "$minivmm" --machine configs/primes.json --accel soft 2>/dev/null) || true
    minivmm_times+=("$(awk -v a="$(now)" -v b="$start" 'BEGIN { print a - b }')")
    if [[ "$qemu_out" != "$minivmm_out" ]]; then
        echo "bench-vs-qemu: outputs differ: QEMU '$qemu_out' vs minivmm '$minivmm_out'" >&2
        exit 1
    fi
done
q=$(printf '%s\n' "${qemu_times[@]}" | best)
m=$(printf '%s\n' "${minivmm_times[@]}" | best)
echo "guest output: $minivmm_out"
printf 'QEMU TCG: %.3f s   minivmm soft: %.3f s   minivmm/QEMU: %.1fx (best of %d, includes start-up)\n' "$q" "$m" "$(awk -v a="$m" -v b="$q" 'BEGIN { print a / b }')" "$runs"
