#!/bin/busybox sh
# /init of the test bed's initramfs: mounts the kernel filesystems, loads KVM (AMD SVM, which QEMU's
# TCG "-cpu max" emulates with nested paging), runs the C probe, the .NET scenario runner and the
# minivmm cases, and powers off. Every result is a "KVMTEST name PASS|FAIL|SKIP reason" line. Each step
# runs under guard(): a step that hangs is stopped and reported, and the steps after it still run.
/bin/busybox mkdir -p /proc /sys /dev /tmp /bin /sbin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
export PATH=/bin:/sbin HOME=/tmp TMPDIR=/tmp DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
# Under emulation every JIT pass is expensive: skip the instrumented tier (the code is ReadyToRun anyway).
export DOTNET_TieredPGO=0
echo "KVMTB begin $(cut -d' ' -f1 /proc/uptime)"
exec 9>&1   # the console, for guard's lines whatever the step's output is redirected to

# guard SECONDS NAME COMMAND...: runs COMMAND (its output where the caller redirects it) and returns its
# status. It announces "KVMTB case-start NAME" first, so that QEMU's outer limit (run.sh, the last resort)
# can name the step that was running. A COMMAND still running after SECONDS is stopped (TERM, then KILL
# 5 s later, with what it started: it runs in its own session) and reported as
# "KVMTEST NAME FAIL (hung after SECONDS s)"; the status is then 254.
guard() {
    limit=$1 name=$2
    shift 2
    echo "KVMTB case-start $name $(cut -d' ' -f1 /proc/uptime)" >&9
    rm -f /tmp/guard.hung
    setsid "$@" &
    pid=$!
    (sleep "$limit"; touch /tmp/guard.hung; kill -TERM -"$pid"; sleep 5; kill -KILL -"$pid") >/dev/null 2>&1 &
    dog=$!
    wait "$pid"
    status=$?
    kill "$dog" 2>/dev/null && wait "$dog" 2>/dev/null
    echo "KVMTB case-end $name" >&9
    if [ -e /tmp/guard.hung ]; then
        echo "KVMTEST $name FAIL (hung after $limit s)" >&9
        return 254
    fi
    return "$status"
}

for module in irqbypass ccp kvm kvm-amd; do
    insmod /modules/$module.ko 2>/tmp/insmod.err || echo "KVMTB insmod $module: $(cat /tmp/insmod.err)"
done
if [ -c /dev/kvm ]; then
    echo "KVMTEST dev-kvm PASS"
else
    echo "KVMTEST dev-kvm FAIL /dev/kvm missing after loading kvm-amd ($(grep -c svm /proc/cpuinfo) CPUs report svm)"
fi
echo "KVMTB modules-loaded $(cut -d' ' -f1 /proc/uptime)"

# Each case of the probe and the runner has its own guard inside (60 s); these are the programs' own.
guard 150 c-probe /testbed/kvm_counter_probe "$KVMTB_COUNTER_SECONDS" 2 60
echo "KVMTB c-probe-done $(cut -d' ' -f1 /proc/uptime)"

guard 300 dotnet-runner /app/KvmTestbedRunner "$KVMTB_COUNTER_SECONDS"
echo "KVMTB runner-done $(cut -d' ' -f1 /proc/uptime)"

# The Debian kernel as a nested KVM guest, bounded here too: under emulation it has been seen to wedge.
if [ -f /testbed/vmlinuz ]; then
    guard $((KVMTB_LINUX_SECONDS + 30)) dotnet-linux-bzimage-boot \
        env KVM_TEST_LINUX_KERNEL=/testbed/vmlinuz /app/KvmTestbedRunner --linux >/tmp/linux.out 2>&1
    status=$?
    cat /tmp/linux.out
    [ "$status" = 254 ] || grep -q '^KVMTEST dotnet-linux-bzimage-boot' /tmp/linux.out ||
        echo "KVMTEST dotnet-linux-bzimage-boot FAIL no verdict (exit $status)"
    echo "KVMTB linux-done $(cut -d' ' -f1 /proc/uptime)"
fi

# minivmm cases: name|expected exit code|text stdout must contain|arguments (paths relative to /repo)
if [ -x /app/minivmm ]; then
    cd /repo
    while IFS='|' read -r name code text arguments; do
        case "$name" in ''|'#'*) continue ;; esac
        start=$(cut -d' ' -f1 /proc/uptime)
        # shellcheck disable=SC2086 # arguments are split on purpose
        guard 120 "$name" /app/minivmm $arguments >/tmp/out 2>/tmp/err </dev/null
        status=$?
        end=$(cut -d' ' -f1 /proc/uptime)
        if [ "$status" = 254 ]; then
            echo "KVMTB $name stderr: $(tail -c 300 /tmp/err | tr '\n' ' ')"
        elif grep -q "not built into this minivmm\|KVM support is not" /tmp/err; then
            echo "KVMTEST $name SKIP this minivmm does not select KVM yet: $(head -c 200 /tmp/err | tr '\n' ' ')"
        elif [ "$status" != "$code" ]; then
            echo "KVMTEST $name FAIL exit code $status, expected $code: $(head -c 300 /tmp/err | tr '\n' ' ')"
        elif [ -n "$text" ] && ! grep -qF "$text" /tmp/out; then
            echo "KVMTEST $name FAIL stdout lacks '$text': $(head -c 200 /tmp/out | tr '\n' ' ')"
        else
            echo "KVMTEST $name PASS $start..$end s"
        fi
        # --stats' steady rate (start-up left out; only runs that outlast its 2 s warm-up have one).
        sed -n "s/^ *steady exit rate: .*: \([0-9]*\) exits\/s, \([0-9]*\) per CPU second$/KVMMETRIC ${name}_steady_exits_per_second \1/p" /tmp/err
        # Interrupt lines raised through KVM_IRQFD (--stats): whether irqfd was used, and how often.
        sed -n "s/^ *irqfd: IRQ \([0-9]*\) raised \([0-9]*\) times .*/KVMMETRIC ${name}_irqfd_irq\1_raises \2/p" /tmp/err
    done < /testbed/minivmm-cases.txt
    # The exit path against the C floor, side by side (scripts/kvm-testbed/exit-rate.sh).
    guard 300 exit-rate env KVMTB_PROBE=/testbed/kvm_counter_probe KVMTB_MINIVMM=/app/minivmm KVMTB_REPO=/repo \
        /testbed/exit-rate.sh "${KVMTB_RATE_ROUNDS:-3}" 3
else
    echo "KVMTEST minivmm SKIP minivmm was not published into the initramfs"
fi
# Linux through minivmm (configs/linux.json: bzImage + busybox initramfs, in-kernel irqchip): wait for
# the shell, type a command into minivmm's stdin, check its output, and leave with 'poweroff -f'.
if [ -x /app/minivmm ] && [ -f /repo/artifacts/linux/vmlinuz ]; then
    # The shell came after 136 s at host load 25 (50 s at load 2): three times KVMTB_LINUX_SECONDS.
    guard $((KVMTB_LINUX_SECONDS * 3 + 150)) minivmm-linux-shell /testbed/linux-session.sh $((KVMTB_LINUX_SECONDS * 3))
    # The same machine on two vCPUs: KVM's in-kernel local APICs start the AP, the MADT lists both.
    guard $((KVMTB_LINUX_SECONDS * 3 + 150)) minivmm-linux-smp /testbed/linux-session.sh $((KVMTB_LINUX_SECONDS * 3)) 2
    echo "KVMTB minivmm-linux-done $(cut -d' ' -f1 /proc/uptime)"
fi
echo "KVMTB end $(cut -d' ' -f1 /proc/uptime)"
poweroff -f
