#!/bin/bash
# The nested-KVM test bed: boots Debian's kernel under QEMU's software emulation (TCG, -cpu max, which
# emulates AMD SVM with nested paging), loads kvm-amd there, and runs MiniVmm's KVM tests against that
# /dev/kvm. Results come back on the serial console and are printed here, one per line:
#     KVMTEST <name> PASS|FAIL|SKIP <detail>
#     KVMMETRIC <name> <value>
# followed by "kvm-testbed: N passed, N failed, N skipped". Exit 0 when nothing failed. Every step inside
# runs under a guard (init.sh): a hung case is "KVMTEST <case> FAIL (hung after N s)" and the rest still
# run; QEMU's wall-clock limit is the last resort, and then the case that was running is named.
#
# Usage: scripts/kvm-testbed/run.sh [--skip-publish]
# Environment: KVMTB_TIMEOUT (QEMU's wall-clock limit, default 900 s), KVMTB_SMP (the test bed's vCPUs,
#              default 1: see below), KVMTB_COUNTER_SECONDS (how long each counter-rate measurement runs,
#              default 2), KVMTB_RATE_ROUNDS (exit-rate.sh's C/minivmm rounds, default 3),
#              KVMTB_CACHE (cache folder, default artifacts/kvm-testbed, ignored by git),
#              KVMTB_LINUX (1: also boot the Debian kernel as a nested KVM guest; 0: skip), KVMTB_LINUX_SECONDS (60).
# Needs root for apt-get (it installs qemu-system-x86, busybox-static, cpio, gcc when missing).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$repo/scripts/kvm-testbed"
cache=${KVMTB_CACHE:-$repo/artifacts/kvm-testbed}
timeout_s=${KVMTB_TIMEOUT:-900}
# One vCPU. QEMU runs each TCG vCPU on its own host thread (MTTCG); on these 2-core hosts, loaded, a
# thread waits for a core for long stretches while the nested kernel's other CPU spins in cross-CPU
# waits (TLB shootdowns, IPIs to a vCPU whose thread is not running; no paravirtual spinlocks or steal
# time under TCG) until its watchdog reports soft lockups. Seen with -smp 2: two hangs in two cycles
# (issue 18); then 24/24 twice (at load ~25 in about the time -smp 1 took; at load ~10 in 268 s inside
# against 197-205 s with -smp 1). One vCPU cannot wait on another, and is faster when the host is
# quiet; KVM's vCPUs inside are threads, so a guest with several vCPUs still runs on it.
smp=${KVMTB_SMP:-1}
counter_seconds=${KVMTB_COUNTER_SECONDS:-2}
skip_publish=0
for arg in "$@"; do
    case "$arg" in
        --skip-publish) skip_publish=1 ;;
        -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "kvm-testbed: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
    esac
done
mkdir -p "$cache"
t0=$(date +%s.%N)
step() { printf 'kvm-testbed: %-28s %6.1f s\n' "$1" "$(echo "$(date +%s.%N) - $t0" | bc)" >&2; }

# 1. Host packages.
missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
{ [ -x /bin/busybox ] && /bin/busybox --list | grep -x insmod >/dev/null; } || missing+=(busybox-static) # no grep -q: with pipefail its early exit fails the pipe
command -v cpio >/dev/null || missing+=(cpio)
command -v gcc >/dev/null && [ -f /usr/include/linux/kvm.h ] || missing+=(gcc libc6-dev linux-libc-dev)
command -v bc >/dev/null || missing+=(bc)
if [ ${#missing[@]} -gt 0 ]; then
    echo "kvm-testbed: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "${missing[@]}" >&2 || { apt-get update -qq >&2 && apt-get install -y -qq "${missing[@]}" >&2; }
fi
if ! ldd /bin/busybox >/dev/null 2>&1; then :; fi # busybox-static is static: nothing to copy for it
step "packages"

# 2. Kernel and modules, unpacked from Debian's package (cached).
if ! apt-cache show linux-image-amd64 >/dev/null 2>&1; then apt-get update -qq >&2; fi
version=$("$here/fetch-kernel.sh" "$cache/kernel")
kernel="$cache/kernel/boot/vmlinuz-$version"
modules="$cache/kernel/lib/modules/$version/kernel"
step "kernel $version"

# 3. minivmm and the scenario runner, self-contained, published into one folder (same runtime files),
#    ReadyToRun so the JIT (slow under emulation) has little left to do. Republished only when the
#    sources changed since the last cycle.
app="$cache/app"
stamp=$(cd "$repo" && { git rev-parse HEAD; git status --porcelain -- src plugins scripts/kvm-testbed tests/Hypervisor.Kvm.Tests; git diff HEAD -- src plugins scripts/kvm-testbed tests/Hypervisor.Kvm.Tests; } | sha256sum | cut -c1-16)
if [ $skip_publish = 1 ] && [ -x "$app/KvmTestbedRunner" ]; then
    echo "kvm-testbed: --skip-publish: reusing $app" >&2
elif [ "$(cat "$cache/app.stamp" 2>/dev/null)" = "$stamp" ] && [ -x "$app/KvmTestbedRunner" ]; then
    echo "kvm-testbed: sources unchanged since the last publish: reusing $app" >&2
else
    rm -rf "$app" "$cache/app.stamp"
    publish() {
        dotnet publish "$1" -c Release -r linux-x64 --self-contained -p:InvariantGlobalization=true \
            -p:PublishReadyToRun=true -o "$app" -v quiet -nologo >&2
    }
    for project in "$here/runner/KvmTestbedRunner.csproj" "$repo/src/MiniVmm/MiniVmm.csproj"; do
        # A restore can fail on a transient package-feed error: one more try before the test bed fails.
        publish "$project" || { echo "kvm-testbed: publishing $(basename "$project") failed; retrying once" >&2; publish "$project"; } \
            || { echo "kvm-testbed: FAIL could not publish $(basename "$project")" >&2; exit 1; }
    done
    echo "$stamp" > "$cache/app.stamp"
fi
gcc -O2 -static -Wall -o "$cache/kvm_counter_probe" "$here/kvm_counter_probe.c"
step "publish + probe"

# 4. The initramfs: busybox, the shared libraries .NET needs, the KVM modules, the programs, the
#    repo's machine files and guests.
root="$cache/root"
rm -rf "$root"
mkdir -p "$root"/{bin,modules,testbed,repo,lib64}
cp /bin/busybox "$root/bin/busybox"
cp "$here/init.sh" "$root/init"
chmod +x "$root/init"
for module in virt/lib/irqbypass drivers/crypto/ccp/ccp arch/x86/kvm/kvm arch/x86/kvm/kvm-amd; do
    cp "$modules/$module.ko" "$root/modules/"
done
cp -a "$app" "$root/app"
# A self-contained publish copies the runtime into each plugin folder too; hard-link those copies to the
# identical files beside minivmm so the initramfs carries the runtime once.
for file in "$root"/app/plugins/*/*; do
    twin="$root/app/$(basename "$file")"
    if [ -f "$twin" ] && cmp -s "$file" "$twin"; then ln -f "$twin" "$file"; fi
done
cp "$cache/kvm_counter_probe" "$here/minivmm-cases.txt" "$root/testbed/"
# The same kernel boots once more, nested, as a KVM guest of the scenario runner (KVMTB_LINUX=0: skip).
if [ "${KVMTB_LINUX:-1}" != 0 ]; then cp "$kernel" "$root/testbed/vmlinuz"; fi
cp -a "$repo/configs" "$repo/guests" "$root/repo/"
cp "$here/linux-session.sh" "$here/exit-rate.sh" "$root/testbed/"
# What configs/linux.json boots, at the path it names (artifacts/linux), for the minivmm Linux session.
if [ "${KVMTB_LINUX:-1}" != 0 ]; then "$repo/scripts/linux-guest/build.sh" "$root/repo/artifacts/linux"; fi
# Every library the native parts of the two programs load, at the same path as on the host.
for binary in "$app"/KvmTestbedRunner "$app"/minivmm "$app"/*.so; do
    [ -e "$binary" ] || continue
    ldd "$binary" 2>/dev/null | grep -o '/[^ ]*' || true
done | grep -v "^$app/" | sort -u | while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done
initramfs="$cache/initramfs.cpio"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$initramfs"
step "initramfs $(du -m "$initramfs" | cut -f1) MiB"

# 5. Boot under TCG, with a wall-clock limit; the console is the report.
console="$cache/console.log"
set +e
timeout "$timeout_s" qemu-system-x86_64 -accel tcg -cpu max -smp "$smp" -m 2048 -nographic -no-reboot \
    -kernel "$kernel" -initrd "$initramfs" \
    -append "console=ttyS0 panic=-1 quiet KVMTB_COUNTER_SECONDS=$counter_seconds KVMTB_LINUX_SECONDS=${KVMTB_LINUX_SECONDS:-60} KVMTB_RATE_ROUNDS=${KVMTB_RATE_ROUNDS:-3}" </dev/null >"$console" 2>&1
qemu_status=$?
set -e
step "qemu (exit $qemu_status)"

tr -d '\r' < "$console" | grep -E '^(KVMTEST|KVMMETRIC|KVMTB) ' || true
passed=$(tr -d '\r' < "$console" | grep -c '^KVMTEST .* PASS' || true)
failed=$(tr -d '\r' < "$console" | grep -c '^KVMTEST .* FAIL' || true)
skipped=$(tr -d '\r' < "$console" | grep -c '^KVMTEST .* SKIP' || true)
if ! tr -d '\r' < "$console" | grep -q '^KVMTB end'; then
    failed=$((failed + 1))
    # The last case announced without a verdict is the one that was running.
    running=$(tr -d '\r' < "$console" | awk '$1 == "KVMTB" && $2 == "case-start" { open[$3] = NR }
        $1 == "KVMTB" && $2 == "case-end" || $1 == "KVMTEST" { delete open[$2 == "case-end" ? $3 : $2] }
        END { for (name in open) if (open[name] > at) { at = open[name]; last = name } print last }')
    limit_note="QEMU exit $qemu_status"
    [ "$qemu_status" = 124 ] && limit_note="QEMU's $timeout_s s limit reached"
    echo "KVMTEST testbed-completed FAIL the guest did not reach the end of /init ($limit_note${running:+ while $running ran}; see $console)"
fi
total=$(echo "$(date +%s.%N) - $t0" | bc)
printf 'KVMMETRIC testbed_cycle_seconds %.1f\n' "$total"
echo "kvm-testbed: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
