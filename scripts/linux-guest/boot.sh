#!/bin/bash
# Boots Debian's i386 Linux (scripts/linux-guest/build.sh --arch i386) on the software CPU
# (configs/linux-i386.json) as a user at the console would: waits for the busybox shell, types a
# command, checks the answer (and that the 16550's IRQ 4 reached Linux), types 'poweroff -f' and
# requires minivmm to end with 0 (ACPI S5 through the acpi-pm device). With --qemu it also boots the
# same kernel, initramfs and command line under QEMU TCG and prints the boot-time ratio.
# With --disk it boots the disk image of scripts/linux-guest/disk.sh instead (configs/linux-i386-disk.json:
# SeaBIOS, the IDE disk, syslinux, the same kernel and initramfs); 'poweroff -f' goes through the ACPI
# tables SeaBIOS builds for the PIIX4 PM function.
#   scripts/linux-guest/boot.sh [--disk] [--qemu] [--limit SECONDS] [--no-build]
# Prints "linux-boot: PASS ..." or "linux-boot: FAIL ..." lines; exits 0 only when minivmm passed.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
limit=900 qemu=0 build=1 disk=0
while [ $# -gt 0 ]; do
    case "$1" in
        --qemu) qemu=1 ;;
        --disk) disk=1 ;;
        --limit) limit=$2; shift ;;
        --no-build) build=0 ;;
        *) echo "usage: boot.sh [--disk] [--qemu] [--limit SECONDS] [--no-build]" >&2; exit 2 ;;
    esac
    shift
done
cd "$repo" || exit 1
"$here/build.sh" --arch i386 || { echo "linux-boot: FAIL could not build the i386 guest"; exit 1; }
machine=configs/linux-i386.json
if [ $disk = 1 ]; then
    "$here/disk.sh" >/dev/null || { echo "linux-boot: FAIL could not build the disk image"; exit 1; }
    machine=configs/linux-i386-disk.json
fi
minivmm=src/MiniVmm/bin/Release/net10.0/minivmm
if [ $build = 1 ] || [ ! -x $minivmm ]; then
    dotnet build src/MiniVmm -c Release -v q -nologo >/dev/null || { echo "linux-boot: FAIL minivmm does not build"; exit 1; }
fi
cmdline=$(sed -n 's/.*"cmdline": "\(.*\)".*/\1/p' configs/linux-i386.json)
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
    result="FAIL" shell_s="-" total_s="-"
    if ! wait_for "$out" "minivmm-linux: type commands" "$limit"; then
        detail="no shell within $limit s; console: $(tail_of "$out") stderr: $(tail_of "$err")"
    else
        shell_s=$(elapsed "$start")
        echo 'echo typed-$((6*7)) serial-irqs=$(awk "/ttyS0/ { print \$2 }" /proc/interrupts)/' >&3
        if ! wait_for "$out" "typed-42 serial-irqs=" 120; then
            detail="the typed command did not answer; console: $(tail_of "$out")"
        else
            irqs=$(sed -n 's/.*typed-42 serial-irqs=\([0-9]*\)\/.*/\1/p' "$out" | head -n 1)
            echo 'poweroff -f' >&3
            local i=0
            while kill -0 "$pid" 2>/dev/null && [ $i -lt 120 ]; do sleep 1; i=$((i + 1)); done
            wait "$pid"; status=$?
            total_s=$(elapsed "$start")
            if [ -z "$irqs" ] || [ "$irqs" = 0 ]; then
                detail="Linux counted no ttyS0 interrupts: $(grep -a 'typed-42' "$out" | tail -n 1)"
            elif [ "$status" != 0 ]; then
                detail="poweroff -f ended it with $status, not 0; stderr: $(tail_of "$err")"
            else
                result="PASS" detail="serial irqs $irqs"
            fi
        fi
    fi
    exec 3>&-
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=""
    echo "linux-boot: $result $name: shell after ${shell_s} s, powered off after ${total_s} s ($detail)"
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

session minivmm-soft $minivmm --machine $machine --timeout "$((limit + 30))s"
soft_result=$result soft_shell=$shell_s
if [ $qemu = 1 ]; then
    command -v qemu-system-i386 >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >&2
    if [ $disk = 1 ]; then
        session qemu-tcg qemu-system-i386 -M pc -accel tcg -cpu pentium2 -m 256 -nographic -no-reboot \
            -drive file=artifacts/linux-i386/disk.img,format=raw,snapshot=on
    else
        session qemu-tcg qemu-system-i386 -M pc -accel tcg -cpu pentium2 -m 256 -nographic -no-reboot \
            -kernel artifacts/linux-i386/vmlinuz -initrd artifacts/linux-i386/initramfs.cpio -append "$cmdline"
    fi
    if [ "$soft_shell" != "-" ] && [ "$shell_s" != "-" ]; then
        echo "linux-boot: boot to shell, minivmm soft / QEMU TCG = $soft_shell s / $shell_s s = $(echo "$soft_shell $shell_s" | awk '{ printf "%.1f", $1 / $2 }')x"
    fi
fi
[ "$soft_result" = PASS ]
