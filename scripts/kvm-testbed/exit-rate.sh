#!/bin/sh
# The KVM exit path's speed, C against minivmm, side by side on one /dev/kvm. Both run the seed's counter
# guest (an OUT to port 0x10 per loop, so every loop is an exit): the C probe (kvm_counter_probe.c, the
# floor: KVM_RUN and a check of the value) and minivmm (configs/counter.json with the port logger on the
# null backend: KVM_RUN, VcpuLoop, the port bus, the device). They run at the same time, their counting
# windows aligned (the probe starts when minivmm's vCPU thread does, and both leave out the same
# warm-up), so that load on the host, which skews any one run by 2-3x here, falls on both alike. Each
# reports exits per second and per CPU second (its process's CPU time, guest time included; the figure
# to compare where the two share one CPU, as in the test bed). ROUNDS rounds; prints
#     KVMMETRIC exit_rate_{c,minivmm}_{per_second,per_cpu_second} MEDIAN
#     KVMMETRIC exit_rate_ratio_{wall,cpu} MEDIAN of the rounds' MINIVMM/C
#     KVMTEST exit-rate PASS|FAIL ...      (FAIL: a run failed or printed no rate; the ratio does not gate)
# Usage: exit-rate.sh [ROUNDS=3] [SECONDS=3]        (POSIX sh: runs on the host and inside the test bed)
# Env: KVMTB_PROBE (default: built from kvm_counter_probe.c with gcc), KVMTB_MINIVMM (default: the
#      Release build in src/MiniVmm), KVMTB_REPO (the folder holding configs/, default this repository),
#      KVMTB_WARMUP (2: SteadyExitRate.WarmUp, the warm-up minivmm's --stats leaves out).
rounds=${1:-3}
seconds=${2:-3}
warmup=${KVMTB_WARMUP:-2}
here=$(cd "$(dirname "$0")" && pwd)
repo=${KVMTB_REPO:-$(cd "$here/../.." && pwd)}
minivmm=${KVMTB_MINIVMM:-$repo/src/MiniVmm/bin/Release/net10.0/minivmm}
probe=${KVMTB_PROBE:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "$probe" ]; then
    probe="$work/kvm_counter_probe"
    gcc -O2 -static -Wall -o "$probe" "$here/kvm_counter_probe.c" || exit 2
fi
[ -x "$minivmm" ] || { echo "exit-rate: no minivmm at $minivmm (build it, or set KVMTB_MINIVMM)" >&2; exit 2; }

# The minivmm job, or its child (coreutils' timeout runs the program as one; busybox's execs it), has
# a thread named vcpu0.
vcpu_started() {
    for pid in $minivmm_job $(cat /proc/$minivmm_job/task/*/children 2>/dev/null); do
        grep -qx vcpu0 /proc/$pid/task/*/comm 2>/dev/null && return 0
    done
    return 1
}

problems=""
round=1
while [ "$round" -le "$rounds" ]; do
    (cd "$repo" && exec timeout $((warmup + seconds + 60)) "$minivmm" --machine configs/counter.json --accel kvm --stats \
        --timeout "$((warmup + seconds))s" --set devices:0:options:stopAfter=0 --set devices:0:options:backend=null) \
        >/dev/null 2>"$work/m.err" &
    minivmm_job=$!
    # minivmm's clock starts with its vCPU threads (Vmm.Run); start the probe then (up to 0.1 s and
    # its start-up later), its window 0.5 s shorter so that it lies inside minivmm's, and keep it
    # running (uncounted) 1.5 s past its window, until after minivmm's window has ended: each window
    # then shares the host with the other program throughout (with the probe stopping early, minivmm
    # ran its last second alone, and its wall rate came out up to 1.3x the probe's on a loaded host).
    i=0
    while [ $i -lt 600 ] && ! vcpu_started; do sleep 0.1; i=$((i + 1)); done
    "$probe" "$(awk "BEGIN { print $seconds - 0.5 }")" "$warmup" $((warmup + seconds + 30)) 1.5 >"$work/c.out" 2>&1
    wait "$minivmm_job"
    c_wall=$(sed -n 's/^KVMMETRIC c_counter_exits_per_second //p' "$work/c.out")
    c_cpu=$(sed -n 's/^KVMMETRIC c_counter_exits_per_cpu_second //p' "$work/c.out")
    [ -n "$c_cpu" ] || problems="$problems C round $round: $(grep -h 'FAIL' "$work/c.out" | head -n 1);"
    # "  steady exit rate: N exits in T s after the first 2.0 s: R exits/s, C per CPU second"
    m_wall=$(sed -n 's/^ *steady exit rate: .*: \([0-9]*\) exits\/s, \([0-9]*\) per CPU second$/\1/p' "$work/m.err")
    m_cpu=$(sed -n 's/^ *steady exit rate: .*: \([0-9]*\) exits\/s, \([0-9]*\) per CPU second$/\2/p' "$work/m.err")
    [ -n "$m_cpu" ] || problems="$problems minivmm round $round: $(head -c 200 "$work/m.err" | tr '\n' ' ');"

    echo "KVMTB exit-rate round $round: C ${c_wall:-?}/s ${c_cpu:-?}/CPU-s, minivmm ${m_wall:-?}/s ${m_cpu:-?}/CPU-s"
    echo "${c_wall:-} ${c_cpu:-} ${m_wall:-} ${m_cpu:-}" >>"$work/rounds"
    round=$((round + 1))
done

# Medians over the complete rounds of each column and of each round's ratios minivmm / C (a round's
# two runs share the same moment, so its ratio is the figure that the host's load leaves alone).
awk 'BEGIN { n = 0 }
NF == 4 { for (i = 1; i <= 4; i++) v[i, n] = $i; v[5, n] = $3 / $1; v[6, n] = $4 / $2; n++ }
function median(col,   i, j, t, a) {
    for (i = 0; i < n; i++) a[i] = v[col, i]
    for (i = 1; i < n; i++) for (j = i; j > 0 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n - 1) / 2] : (a[n / 2 - 1] + a[n / 2]) / 2
}
END {
    if (n == 0) exit 1
    cw = median(1); cc = median(2); mw = median(3); mc = median(4)
    printf "KVMMETRIC exit_rate_c_per_second %.0f\nKVMMETRIC exit_rate_c_per_cpu_second %.0f\n", cw, cc
    printf "KVMMETRIC exit_rate_minivmm_per_second %.0f\nKVMMETRIC exit_rate_minivmm_per_cpu_second %.0f\n", mw, mc
    printf "KVMMETRIC exit_rate_ratio_wall %.3f\nKVMMETRIC exit_rate_ratio_cpu %.3f\n", median(5), median(6)
}' "$work/rounds" || problems="$problems no complete round;"

if [ -n "$problems" ]; then
    echo "KVMTEST exit-rate FAIL$problems"
    exit 1
fi
echo "KVMTEST exit-rate PASS $rounds rounds of $seconds s"
