#!/usr/bin/env bash
# Runs the compute-bound benchmark guests under QEMU TCG and under minivmm's software CPU, checks
# both print the same output and exit with the same status, and prints per guest the wall-clock
# times, the ratio minivmm/QEMU, and the same with start-up taken out, plus geometric means.
#   scripts/bench-vs-qemu.sh [runs] [guest...]     (default 3 runs each, every guest; the best time counts)
#   scripts/bench-vs-qemu.sh --list                the guests and what they exercise
# Guests: primes (guests/pc/primes.rom, configs/primes.json) and guests/bench/NAME.rom
# (configs/bench/NAME.json). guests/bench/startup.rom prints one line and exits at once; its best
# time on each VMM is that VMM's start-up, and "guest-only" times are a guest's best time minus it.
# minivmm's own --stats run time (machine built, JIT warm-up included, process start-up not) is
# shown too as a cross-check. MINIVMM_DIR=folder runs the minivmm in that folder (e.g. an older
# build kept for a before/after comparison) instead of building this checkout's.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

all_guests=(primes real16 paged32 memops32)
describe() {
    case "$1" in
        primes) echo "32-bit flat: sieve of Eratosthenes, byte stores, IMUL, counted loops" ;;
        real16) echo "16-bit real mode: LCG + STOSW, REP MOVSB, segment overrides, insertion sort, REPE CMPSW" ;;
        paged32) echo "32-bit, 4 KiB paging: hash table and matrix multiply over scattered pages, CALL/RET, CMOVcc/SETcc" ;;
        memops32) echo "32-bit flat: REP STOSD/MOVSD/MOVSB, REPNE SCASB, REPE CMPSB, backward MOVSB, byte loops" ;;
        startup) echo "start-up baseline: one line, then exit" ;;
    esac
}
rom_of() { [[ "$1" == primes ]] && echo guests/pc/primes.rom || echo "guests/bench/$1.rom"; }
config_of() { [[ "$1" == primes ]] && echo configs/primes.json || echo "configs/bench/$1.json"; }

runs=3
guests=()
for arg in "$@"; do
    case "$arg" in
        -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}"; exit 0 ;;
        --list) for g in "${all_guests[@]}" startup; do printf '%-10s %s\n' "$g" "$(describe "$g")"; done; exit 0 ;;
        ''|*[!0-9]*)
            [[ -f "$(rom_of "$arg")" && -f "$(config_of "$arg")" ]] \
                || { echo "bench-vs-qemu: no guest '$arg' (try --list)" >&2; exit 2; }
            guests+=("$arg") ;;
        *) runs="$arg" ;;
    esac
done
((runs >= 1)) || { echo "bench-vs-qemu: runs must be at least 1" >&2; exit 2; }
((${#guests[@]})) || guests=("${all_guests[@]}")

if ! command -v qemu-system-x86_64 >/dev/null; then
    echo "bench-vs-qemu: installing qemu-system-x86" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >&2
fi
[[ -n "${MINIVMM_DIR:-}" ]] || dotnet build src/MiniVmm -c Release -v quiet -nologo >&2
minivmm=${MINIVMM_DIR:-src/MiniVmm/bin/Release/net10.0}/minivmm
stats="$(mktemp)"
trap 'rm -f "$stats"' EXIT

now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.4f", a - b }'; }
best() { printf '%s\n' "$@" | sort -g | head -n 1; }

# measure GUEST: sets q_best, m_best (wall seconds) and m_run (minivmm's --stats run seconds),
# after checking every run's output and exit status agree between the two VMMs.
measure() {
    local guest="$1" rom config start q_out m_out q_rc m_rc i
    local -a q_times=() m_times=() m_runs=()
    rom="$(rom_of "$guest")" config="$(config_of "$guest")"
    for ((i = 0; i < runs; i++)); do
        start=$(now)
        q_rc=0
        q_out=$(timeout 120 qemu-system-x86_64 -accel tcg -m 16 -bios "$rom" -display none -serial stdio \
            -monitor none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4) || q_rc=$?
        q_times+=("$(since "$start")")
        start=$(now)
        m_rc=0
        m_out=$(timeout 300 "$minivmm" --machine "$config" --accel soft --stats 2>"$stats") || m_rc=$?
        m_times+=("$(since "$start")")
        m_runs+=("$(sed -n 's/^minivmm statistics: .* exits in \([0-9.]*\) s.*/\1/p' "$stats")")
        if [[ "$q_out" != "$m_out" || "$q_rc" != "$m_rc" ]]; then
            echo "bench-vs-qemu: $guest: QEMU printed '$q_out' (status $q_rc), minivmm '$m_out' (status $m_rc)" >&2
            exit 1
        fi
    done
    q_best=$(best "${q_times[@]}") m_best=$(best "${m_times[@]}") m_run=$(best "${m_runs[@]}")
}

measure startup
q_startup=$q_best m_startup=$m_best
printf 'start-up (guests/bench/startup.rom, best of %d): QEMU %.3f s, minivmm %.3f s\n' "$runs" "$q_startup" "$m_startup"
printf '%-9s %9s %9s %7s   %9s %9s %7s   %9s\n' guest "QEMU s" "minivmm s" ratio "QEMU-su" "mvmm-su" ratio "--stats s"
log_total=0 log_guest=0 counted=0
for guest in "${guests[@]}"; do
    measure "$guest"
    read -r ratio q_guest m_guest guest_ratio < <(awk -v q="$q_best" -v m="$m_best" -v qs="$q_startup" -v ms="$m_startup" \
        'BEGIN { qg = q - qs; mg = m - ms; printf "%.2f %.4f %.4f %.2f\n", m / q, qg, mg, (qg > 0 && mg > 0) ? mg / qg : 0 }')
    printf '%-9s %9.3f %9.3f %6.1fx   %9.3f %9.3f %6.1fx   %9s\n' "$guest" "$q_best" "$m_best" "$ratio" "$q_guest" "$m_guest" "$guest_ratio" "${m_run:-?}"
    if awk -v r="$guest_ratio" 'BEGIN { exit !(r > 0) }'; then
        log_total=$(awk -v s="$log_total" -v r="$ratio" 'BEGIN { print s + log(r) }')
        log_guest=$(awk -v s="$log_guest" -v r="$guest_ratio" 'BEGIN { print s + log(r) }')
        counted=$((counted + 1))
    else
        echo "bench-vs-qemu: $guest: too short to take start-up out; left out of the means" >&2
    fi
done
if ((counted > 0)); then
    awk -v t="$log_total" -v g="$log_guest" -v n="$counted" -v runs="$runs" 'BEGIN {
        printf "%-9s %9s %9s %6.1fx   %9s %9s %6.1fx   (geometric mean of %d guests, best of %d runs)\n", "geomean", "", "", exp(t / n), "", "", exp(g / n), n, runs }'
fi
echo "(QEMU-su, mvmm-su: best time minus the start-up guest's best; --stats s: minivmm's own run time)"
