#!/usr/bin/env bash
# Cold start to the first output, QEMU vs minivmm, in one run: medians of wall time, CPU time (user +
# system) and peak memory (max RSS), and minivmm's ratios to QEMU TCG (issue 13's bar: <= 1.0x).
#   scripts/bench-startup.sh [runs] [--no-build] [--compare DIR]...   (default 11 runs)
# Rows: QEMU TCG (and QEMU KVM when /dev/kvm opens) boot guests/bench/startup.rom (prints one line,
# leaves through isa-debug-exit); minivmm boots the seed guest (configs/seed-add.json: prints "4",
# halts) and the same startup.rom (configs/bench/startup.json), on soft and, with /dev/kvm, kvm.
# --compare DIR adds the seed rows for another minivmm build folder (e.g. an older checkout's
# src/MiniVmm/bin/Release/net10.0), so before/after figures come from the same run.
# Runs are interleaved (one of each row per round) so host load shifts hit every row alike; the
# first round is a warm-up (page cache, plugin index) and is not counted.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

runs=11 build=1
compare=()
while (($#)); do
    case "$1" in
        -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}"; exit 0 ;;
        --no-build) build=0 ;;
        --compare) shift; [[ -x "${1:-}/minivmm" ]] || { echo "bench-startup: no minivmm in '${1:-}'" >&2; exit 2; }; compare+=("$1") ;;
        ''|*[!0-9]*) echo "bench-startup: unknown argument '$1' (try --help)" >&2; exit 2 ;;
        *) runs="$1" ;;
    esac
    shift
done
((runs >= 1)) || { echo "bench-startup: runs must be at least 1" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "bench-startup: qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "bench-startup: /usr/bin/time is not installed (apt-get install time)" >&2; exit 2; }
((build)) && dotnet build src/MiniVmm -c Release -v quiet -nologo >&2
minivmm=src/MiniVmm/bin/Release/net10.0/minivmm
kvm=0
{ exec 3<>/dev/kvm; } 2>/dev/null && { kvm=1; exec 3>&-; }

qemu=(qemu-system-x86_64 -m 16 -bios guests/bench/startup.rom -display none -serial stdio -monitor none
      -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4)
names=() commands=() expects=()
row() { names+=("$1"); expects+=("$2"); commands+=("$3"); }
row "QEMU TCG, startup.rom" "startup: done" "${qemu[*]} -accel tcg"
((kvm)) && row "QEMU KVM, startup.rom" "startup: done" "${qemu[*]} -accel kvm"
for accel in soft kvm; do
    [[ $accel == kvm ]] && ((!kvm)) && continue
    row "minivmm $accel, seed-add" "4" "$minivmm --machine configs/seed-add.json --accel $accel"
    row "minivmm $accel, startup.rom" "startup: done" "$minivmm --machine configs/bench/startup.json --accel $accel"
    for dir in "${compare[@]}"; do
        row "$dir $accel, seed-add" "4" "$dir/minivmm --machine configs/seed-add.json --accel $accel"
    done
done

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# one ROW INDEX: runs row ROW once, checks its output, appends wall ms, CPU ms and max RSS KiB.
one() {
    local i=$1 start end output
    start=$(date +%s%N)
    # shellcheck disable=SC2086
    output=$(/usr/bin/time -f '%M %U %S' -o "$out/time" ${commands[$i]} 2>"$out/stderr") || true
    end=$(date +%s%N)
    output="${output//$'\r'/}"
    if [[ "$output" != "${expects[$i]}" ]]; then
        echo "bench-startup: ${names[$i]}: printed '$output', expected '${expects[$i]}'" >&2
        cat "$out/stderr" >&2
        exit 1
    fi
    read -r rss user sys < <(tail -n 1 "$out/time")
    echo "$(((end - start) / 1000000)) $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d", (u + s) * 1000 }') $rss" >>"$out/$i"
}
for ((i = 0; i < ${#names[@]}; i++)); do one "$i"; : >"$out/$i"; done   # warm-up round
for ((r = 0; r < runs; r++)); do
    for ((i = 0; i < ${#names[@]}; i++)); do one "$i"; done
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '%-44s %8s %8s %9s   %11s %11s\n' "cold start (median of $runs)" "wall ms" "CPU ms" "max RSS" "wall/QEMU" "RSS/QEMU"
for ((i = 0; i < ${#names[@]}; i++)); do
    wall=$(cut -d' ' -f1 "$out/$i" | median) cpu=$(cut -d' ' -f2 "$out/$i" | median) rss=$(cut -d' ' -f3 "$out/$i" | median)
    ((i == 0)) && q_wall=$wall q_rss=$rss
    awk -v n="${names[$i]}" -v w="$wall" -v c="$cpu" -v r="$rss" -v qw="$q_wall" -v qr="$q_rss" \
        'BEGIN { printf "%-44s %8.0f %8.0f %6.1f MiB   %10.2fx %10.2fx\n", n, w, c, r / 1024, w / qw, r / qr }'
done
echo "(ratios against QEMU TCG; load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs)"
