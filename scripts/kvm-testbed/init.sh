#!/bin/busybox sh
# /init of the test bed's initramfs: mounts the kernel filesystems, loads KVM (AMD SVM, which QEMU's
# TCG "-cpu max" emulates with nested paging), runs the C probe, the .NET scenario runner and the
# minivmm cases, and powers off. Every result is a "KVMTEST name PASS|FAIL|SKIP reason" line.
/bin/busybox mkdir -p /proc /sys /dev /tmp /bin /sbin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
export PATH=/bin:/sbin HOME=/tmp TMPDIR=/tmp DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
# Under emulation every JIT pass is expensive: skip the instrumented tier (the code is ReadyToRun anyway).
export DOTNET_TieredPGO=0
echo "KVMTB begin $(cut -d' ' -f1 /proc/uptime)"

for module in irqbypass ccp kvm kvm-amd; do
    insmod /modules/$module.ko 2>/tmp/insmod.err || echo "KVMTB insmod $module: $(cat /tmp/insmod.err)"
done
if [ -c /dev/kvm ]; then
    echo "KVMTEST dev-kvm PASS"
else
    echo "KVMTEST dev-kvm FAIL /dev/kvm missing after loading kvm-amd ($(grep -c svm /proc/cpuinfo) CPUs report svm)"
fi
echo "KVMTB modules-loaded $(cut -d' ' -f1 /proc/uptime)"

/testbed/kvm_counter_probe "$KVMTB_COUNTER_SECONDS"
echo "KVMTB c-probe-done $(cut -d' ' -f1 /proc/uptime)"

/app/KvmTestbedRunner "$KVMTB_COUNTER_SECONDS" || true
echo "KVMTB runner-done $(cut -d' ' -f1 /proc/uptime)"

# The Debian kernel as a nested KVM guest, bounded here too: under emulation it has been seen to wedge.
if [ -f /testbed/vmlinuz ]; then
    KVM_TEST_LINUX_KERNEL=/testbed/vmlinuz timeout $((KVMTB_LINUX_SECONDS + 30)) /app/KvmTestbedRunner --linux >/tmp/linux.out 2>&1
    status=$?
    cat /tmp/linux.out
    grep -q '^KVMTEST dotnet-linux-bzimage-boot' /tmp/linux.out ||
        echo "KVMTEST dotnet-linux-bzimage-boot FAIL no verdict within $((KVMTB_LINUX_SECONDS + 30)) s (exit $status)"
    echo "KVMTB linux-done $(cut -d' ' -f1 /proc/uptime)"
fi

# minivmm cases: name|expected exit code|text stdout must contain|arguments (paths relative to /repo)
if [ -x /app/minivmm ]; then
    cd /repo
    while IFS='|' read -r name code text arguments; do
        case "$name" in ''|'#'*) continue ;; esac
        start=$(cut -d' ' -f1 /proc/uptime)
        # shellcheck disable=SC2086 # arguments are split on purpose
        timeout 60 /app/minivmm $arguments >/tmp/out 2>/tmp/err
        status=$?
        end=$(cut -d' ' -f1 /proc/uptime)
        if grep -q "not built into this minivmm\|KVM support is not" /tmp/err; then
            echo "KVMTEST $name SKIP this minivmm does not select KVM yet: $(head -c 200 /tmp/err | tr '\n' ' ')"
        elif [ "$status" != "$code" ]; then
            echo "KVMTEST $name FAIL exit code $status, expected $code: $(head -c 300 /tmp/err | tr '\n' ' ')"
        elif [ -n "$text" ] && ! grep -qF "$text" /tmp/out; then
            echo "KVMTEST $name FAIL stdout lacks '$text': $(head -c 200 /tmp/out | tr '\n' ' ')"
        else
            echo "KVMTEST $name PASS $start..$end s"
        fi
        # "minivmm statistics: N exits in T s" (from --stats) becomes a rate.
        sed -n 's/^minivmm statistics: \([0-9]*\) exits in \([0-9.]*\) s.*/\1 \2/p' /tmp/err | \
            awk -v name="$name" '$2 > 0 { printf "KVMMETRIC %s_exits_per_second %.0f\n", name, $1 / $2 }' 
    done < /testbed/minivmm-cases.txt
else
    echo "KVMTEST minivmm SKIP minivmm was not published into the initramfs"
fi
# Linux through minivmm (configs/linux.json: bzImage + busybox initramfs, in-kernel irqchip): wait for
# the shell, type a command into minivmm's stdin, check its output, and leave with 'reboot -f'.
if [ -x /app/minivmm ] && [ -f /repo/artifacts/linux/vmlinuz ]; then
    /testbed/linux-session.sh $((KVMTB_LINUX_SECONDS * 2))
    echo "KVMTB minivmm-linux-done $(cut -d' ' -f1 /proc/uptime)"
fi
echo "KVMTB end $(cut -d' ' -f1 /proc/uptime)"
poweroff -f
