#!/bin/bash
# Boots Debian's memtest86+ (the memtest86+ package, fetched with apt-get download and unpacked into
# artifacts/memtest; nothing installed) on the software CPU through the 32-bit Linux boot protocol
# (configs/memtest86plus.json), lets it test for SECONDS and checks its status screen on COM1: the
# banner, the tests it reached and "Errors: 0". With --qemu the same image runs as long under QEMU
# TCG and both progress lines are printed side by side.
#   scripts/memtest.sh [--qemu] [--seconds N] [--no-build]
# Prints "memtest: PASS ..." or "memtest: FAIL ..." lines; exits 0 only when minivmm passed.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
qemu=0 seconds=45 build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --qemu) qemu=1 ;;
        --seconds) seconds=$2; shift ;;
        --no-build) build=0 ;;
        *) echo "usage: memtest.sh [--qemu] [--seconds N] [--no-build]" >&2; exit 2 ;;
    esac
    shift
done
cd "$repo" || exit 1
image=artifacts/memtest/boot/memtest86+ia32.bin
source "$repo/scripts/lib/fetch-package.sh"
fetch_package memtest86+ artifacts/memtest || { echo "memtest: FAIL could not download the memtest86+ package"; exit 1; }
[ -f "$image" ] || { echo "memtest: FAIL the package has no boot/memtest86+ia32.bin"; exit 1; }
minivmm=src/MiniVmm/bin/Release/net10.0/minivmm
if [ $build = 1 ] || [ ! -x $minivmm ]; then
    dotnet build src/MiniVmm -c Release -v q -nologo >/dev/null || { echo "memtest: FAIL minivmm does not build"; exit 1; }
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# check NAME FILE: the banner, the last test number reached, and the error count on the status screen.
check() {
    local screen; screen=$(tr '\033' '\n' < "$2")
    local banner; banner=$(grep -ao 'Memtest86+ v[0-9.]*' <<<"$screen" | head -n 1)
    local reached; reached=$(grep -aoE '#[0-9]+  \[' <<<"$screen" | tr -dc '0-9\n' | sort -n | tail -n 1)
    local errors; errors=$(grep -aoE 'Errors: *[0-9]+' <<<"$screen" | tr -dc '0-9\n' | sort -n | tail -n 1)
    if [ -z "$banner" ]; then
        echo "memtest: FAIL $1: no status screen on the console ($(wc -c < "$2") bytes)"; return 1
    elif [ -z "$reached" ] || [ "${errors:-1}" != 0 ]; then
        echo "memtest: FAIL $1: $banner, test #${reached:-none} reached, errors ${errors:-unknown}"; return 1
    fi
    echo "memtest: PASS $1: $banner, reached test #$reached in $seconds s, errors 0"
}

timeout "$((seconds + 30))" $minivmm --machine configs/memtest86plus.json --timeout "${seconds}s" </dev/null >"$work/minivmm.out" 2>"$work/minivmm.err"
status=$?
result=0
if [ $status != 124 ]; then
    echo "memtest: FAIL minivmm-soft ended with $status before its time limit: $(tail -c 300 "$work/minivmm.err")"; result=1
else
    check minivmm-soft "$work/minivmm.out" || result=1
fi
if [ $qemu = 1 ]; then
    command -v qemu-system-i386 >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >&2
    timeout "$seconds" qemu-system-i386 -M pc -accel tcg -cpu pentium2 -m 256 -nographic -no-reboot \
        -kernel "$image" -append "console=ttyS0,115200" </dev/null >"$work/qemu.out" 2>&1
    check qemu-tcg "$work/qemu.out"
fi
exit $result
