#!/bin/bash
# Boots Debian's i386 Linux (scripts/linux-guest/build.sh --arch i386) on the software CPU
# (configs/linux-i386.json) as a user at the console would: waits for the busybox shell, types a
# command, checks the answer (and that the 16550's IRQ 4 reached Linux), types 'poweroff -f' and
# requires minivmm to end with 0 (ACPI S5 through the acpi-pm device). With --qemu it also boots the
# same kernel, initramfs and command line under QEMU TCG and prints the boot-time ratio.
# With --disk it boots the disk image of scripts/linux-guest/disk.sh instead (configs/linux-i386-disk.json:
# SeaBIOS, the IDE disk, syslinux, the same kernel and initramfs); 'poweroff -f' goes through the ACPI
# tables SeaBIOS builds for the PIIX4 PM function.
# With --virtio it boots configs/linux-i386-virtio.json (virtio-pci block, entropy and console devices;
# the disk of scripts/linux-guest/virtio-disk.sh) and also requires /virtio-check's proofs: the known
# file read from the ext4 disk, a file the guest wrote and synced (read back on the host with
# debugfs), bytes from /dev/hwrng and a line on hvc0.
# With --virtio --overlay the disk is a read-only base under a copy-on-write overlay file (the
# virtio-blk "overlay" option): the guest's write must succeed while the base image's SHA-256 stays
# the same and written.txt stays out of it.
# With --virtio --msix it boots configs/linux-i386-virtio-msix.json (the same devices on a machine
# with an APIC, so virtio-pci has MSI-X) and also requires PCI-MSI lines for virtio in /proc/interrupts.
# With --smp it boots configs/linux-i386-smp.json (two vCPUs, local APICs, the I/O APIC, the ACPI
# MADT) and also requires nproc and /proc/cpuinfo to say 2, IO-APIC lines in /proc/interrupts, and
# two shell loops run in parallel to finish.
# With --amd64 it boots Debian's amd64 kernel (scripts/linux-guest/build.sh) in long mode instead
# (configs/linux.json, the KVM machine, with --accel soft; QEMU: qemu-system-x86_64).
# With --reboot the guest leaves with 'reboot -f' instead (the kernel resets through the i8042, which
# ends minivmm with 0 under the machine's default onReset "exit", as -no-reboot ends QEMU).
#   scripts/linux-guest/boot.sh [--disk|--virtio [--overlay] [--msix]|--smp|--amd64] [--reboot] [--qemu] [--limit SECONDS] [--no-build]
# Prints "linux-boot: PASS ..." or "linux-boot: FAIL ..." lines; exits 0 only when minivmm passed.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
extra_accel=()
limit=900 qemu=0 build=1 disk=0 virtio=0 overlay=0 msix=0 smp=0 amd64=0 leave='poweroff -f'
while [ $# -gt 0 ]; do
    case "$1" in
        --qemu) qemu=1 ;;
        --disk) disk=1 ;;
        --virtio) virtio=1 ;;
        --overlay) overlay=1 ;;
        --msix) msix=1 ;;
        --smp) smp=1 ;;
        --amd64) amd64=1 ;;
        --reboot) leave='reboot -f' ;;
        --limit) limit=$2; shift ;;
        --no-build) build=0 ;;
        *) echo "usage: boot.sh [--disk|--virtio [--overlay] [--msix]|--smp|--amd64] [--reboot] [--qemu] [--limit SECONDS] [--no-build]" >&2; exit 2 ;;
    esac
    shift
done
cd "$repo" || exit 1
if [ $amd64 = 1 ]; then
    "$here/build.sh" || { echo "linux-boot: FAIL could not build the amd64 guest"; exit 1; }
    machine=configs/linux.json
    extra_accel=(--accel soft)
else
    "$here/build.sh" --arch i386 || { echo "linux-boot: FAIL could not build the i386 guest"; exit 1; }
    machine=configs/linux-i386.json
fi
if [ $disk = 1 ]; then
    "$here/disk.sh" >/dev/null || { echo "linux-boot: FAIL could not build the disk image"; exit 1; }
    machine=configs/linux-i386-disk.json
fi
if [ $virtio = 1 ]; then
    "$here/virtio-disk.sh" >/dev/null || { echo "linux-boot: FAIL could not build the virtio disk"; exit 1; }
    rm -f artifacts/linux-i386/hvc0.txt
    machine=configs/linux-i386-virtio.json
    [ $msix = 1 ] && machine=configs/linux-i386-virtio-msix.json
fi
[ $smp = 1 ] && machine=configs/linux-i386-smp.json
minivmm=src/MiniVmm/bin/Release/net10.0/minivmm
if [ $build = 1 ] || [ ! -x $minivmm ]; then
    dotnet build src/MiniVmm -c Release -v q -nologo >/dev/null || { echo "linux-boot: FAIL minivmm does not build"; exit 1; }
fi
cmdline=$(sed -n 's/.*"cmdline": "\(.*\)".*/\1/p' "$machine")
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null' EXIT

# session NAME COMMAND...: runs COMMAND with the console on a FIFO; sets result, shell_s, total_s.
session() {
    local name=$1; shift
    local in=$work/$name.in out=$work/$name.out err=$work/$name.err
    mkfifo "$in"
    local start; start=$(date +%s.%N)
    timeout "$((limit + 60))" "$@" <"$in" >"$out" 2>"$err" &
    pid=$!
    exec 3>"$in" # the console's keyboard, held open so the guest never sees end of input
    result="FAIL" shell_s="-" total_s="-" smp_line=""
    if ! wait_for "$out" "minivmm-linux: type commands" "$limit"; then
        detail="no shell within $limit s; console: $(tail_of "$out") stderr: $(tail_of "$err")"
    else
        shell_s=$(elapsed "$start")
        echo 'echo typed-$((6*7)) serial-irqs=$(awk "/ttyS0/ { n = 0; for (i = 2; i <= NF; i++) if (\$i ~ /^[0-9]+\$/) n += \$i; print n }" /proc/interrupts)/' >&3
        if ! wait_for "$out" "typed-42 serial-irqs=" 120; then
            detail="the typed command did not answer; console: $(tail_of "$out")"
        else
            irqs=$(sed -n 's/.*typed-42 serial-irqs=\([0-9]*\)\/.*/\1/p' "$out" | head -n 1)
            if [ $smp = 1 ]; then
                # Two busy loops in parallel must both finish; then the CPU count and the I/O APIC's lines.
                echo 'spin() { i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; }; spin & spin & wait; echo smp-$((3*3)) nproc=$(nproc) cpuinfo=$(grep -c ^processor /proc/cpuinfo) ioapic=$(grep -c IO-APIC /proc/interrupts)/' >&3
                wait_for "$out" "smp-9 nproc=" 300 || true
                smp_line=$(grep -a 'smp-9 nproc=' "$out" | tail -n 1 | tr -d '\r')
            fi
            echo "$leave" >&3
            local i=0
            while kill -0 "$pid" 2>/dev/null && [ $i -lt 120 ]; do sleep 1; i=$((i + 1)); done
            wait "$pid"; status=$?
            total_s=$(elapsed "$start")
            if [ -z "$irqs" ] || [ "$irqs" = 0 ]; then
                detail="Linux counted no ttyS0 interrupts: $(grep -a 'typed-42' "$out" | tail -n 1)"
            elif [ $smp = 1 ] && ! echo "$smp_line" | grep -q 'smp-9 nproc=2 cpuinfo=2 ioapic=[1-9]'; then
                detail="SMP check failed: '${smp_line:-no answer}'"
            elif [ "$status" != 0 ]; then
                detail="$leave ended it with $status, not 0; stderr: $(tail_of "$err")"
            else
                result="PASS" detail="serial irqs $irqs${smp_line:+, $smp_line}"
            fi
        fi
    fi
    exec 3>&-
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=""
    echo "linux-boot: $result $name: shell after ${shell_s} s, '$leave' ended it after ${total_s} s ($detail)"
}
wait_for() { # FILE TEXT SECONDS
    local i=0
    while [ $i -lt "$3" ]; do
        grep -aqF "$2" "$1" && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 1; i=$((i + 1))
    done
    return 1
}
elapsed() { echo "$(date +%s.%N) $1" | awk '{ printf "%.1f", $1 - $2 }'; }
tail_of() { tail -c 300 "$1" | tr '\r\n' '  '; }

extra=()
if [ $overlay = 1 ]; then
    base_sha=$(sha256sum artifacts/linux-i386/virtio.img | cut -d' ' -f1)
    extra=(--set "devices:7:options:overlay=$work/overlay.cow")
fi
session minivmm-soft $minivmm --machine $machine "${extra_accel[@]}" --timeout "$((limit + 30))s" "${extra[@]}"
soft_result=$result soft_shell=$shell_s
if [ $virtio = 1 ]; then
    # virtio_check TEXT WHAT: the console must have a "minivmm-virtio: TEXT" line.
    virtio_check() {
        if grep -aqF "minivmm-virtio: $1" "$work/minivmm-soft.out"; then echo "linux-boot: PASS virtio: $2"
        else echo "linux-boot: FAIL virtio: $2; the guest said: $(grep -a 'minivmm-virtio' "$work/minivmm-soft.out" | tr '\r\n' '  ')"; soft_result=FAIL; fi
    }
    virtio_check "disk: 32768 sectors, serial 'minivmm-vda'" "/dev/vda with its size and serial"
    virtio_check "file: hello from a virtio-blk ext4 disk" "the known file read from the ext4 disk"
    virtio_check "hwrng: virtio_rng.0 " "/dev/hwrng served by virtio-rng"
    virtio_check "hvc0 written" "hvc0"
    if [ $msix = 1 ]; then
        if grep -aq "minivmm-virtio: pci-msi lines: [1-9]" "$work/minivmm-soft.out"; then
            echo "linux-boot: PASS virtio: MSI-X: $(grep -a 'minivmm-virtio: pci-msi\|minivmm-virtio: irqs' "$work/minivmm-soft.out" | tr '\r\n' '  ')"
        else
            echo "linux-boot: FAIL virtio: no PCI-MSI lines for virtio; the guest said: $(grep -a 'minivmm-virtio: irqs\|pci-msi' "$work/minivmm-soft.out" | tr '\r\n' '  ')"; soft_result=FAIL
        fi
    fi
    if [ $overlay = 1 ]; then
        virtio_check "wrote: written by the guest" "the guest wrote and synced a file on the overlaid disk"
        if [ "$(sha256sum artifacts/linux-i386/virtio.img | cut -d' ' -f1)" = "$base_sha" ] \
            && ! debugfs -R "cat /written.txt" artifacts/linux-i386/virtio.img 2>/dev/null | grep -q "written by the guest"; then
            echo "linux-boot: PASS virtio: the base image is unchanged (SHA-256 $base_sha); the write went to the overlay ($(du -k "$work/overlay.cow" | cut -f1) KiB used)"
        else
            echo "linux-boot: FAIL virtio: the base image changed under its overlay"; soft_result=FAIL
        fi
    elif debugfs -R "cat /written.txt" artifacts/linux-i386/virtio.img 2>/dev/null | grep -q "written by the guest"; then
        echo "linux-boot: PASS virtio: the file the guest wrote and synced is in the image"
    else
        echo "linux-boot: FAIL virtio: written.txt is not in the image"; soft_result=FAIL
    fi
    if grep -q "minivmm-virtio: hello on hvc0" artifacts/linux-i386/hvc0.txt 2>/dev/null; then
        echo "linux-boot: PASS virtio: hvc0's line reached its backend file"
    else
        echo "linux-boot: FAIL virtio: artifacts/linux-i386/hvc0.txt lacks the guest's line"; soft_result=FAIL
    fi
fi
if [ $qemu = 1 ]; then
    command -v qemu-system-i386 >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >&2
    if [ $disk = 1 ]; then
        session qemu-tcg qemu-system-i386 -M pc -accel tcg -cpu pentium2 -m 256 -nographic -no-reboot \
            -drive file=artifacts/linux-i386/disk.img,format=raw,snapshot=on
    elif [ $amd64 = 1 ]; then
        session qemu-tcg qemu-system-x86_64 -M pc -accel tcg -m 256 -nographic -no-reboot \
            -kernel artifacts/linux/vmlinuz -initrd artifacts/linux/initramfs.cpio -append "$cmdline"
    else
        smp_args=(); [ $smp = 1 ] && smp_args=(-smp 2)
        session qemu-tcg qemu-system-i386 -M pc -accel tcg -cpu pentium2 -m 256 -nographic -no-reboot "${smp_args[@]}" \
            -kernel artifacts/linux-i386/vmlinuz -initrd artifacts/linux-i386/initramfs.cpio -append "$cmdline"
    fi
    if [ "$soft_shell" != "-" ] && [ "$shell_s" != "-" ]; then
        echo "linux-boot: boot to shell, minivmm soft / QEMU TCG = $soft_shell s / $shell_s s = $(echo "$soft_shell $shell_s" | awk '{ printf "%.1f", $1 / $2 }')x"
    fi
fi
[ "$soft_result" = PASS ]
