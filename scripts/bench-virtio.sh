#!/bin/bash
# Sequential virtio-blk throughput inside Debian's i386 Linux: MiniVmm's software CPU against QEMU
# TCG with the same kernel, initramfs, raw disk image and virtio-blk-pci device. In each VM the
# script types, at the busybox shell: the virtio modules, then `dd` writing SIZE MiB of zeros to
# /dev/vda (conv=fsync: the data reaches the image file) and reading them back after dropping the
# page cache, timed with /proc/uptime. Prints each figure and the ratios (minivmm / QEMU: below 1
# means minivmm is slower).
#   scripts/bench-virtio.sh [SIZE_MIB] [--no-build] [--set KEY=VALUE ...]      (default 32 MiB)
# --set goes to minivmm (e.g. --set devices:7:options:iothread=false: the I/O on the vCPU thread).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
size=32 build=1 sets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) build=0 ;;
        --set) sets+=(--set "$2"); shift ;;
        [0-9]*) size=$1 ;;
        *) echo "usage: bench-virtio.sh [SIZE_MIB] [--no-build] [--set KEY=VALUE ...]" >&2; exit 2 ;;
    esac
    shift
done
cd "$repo" || exit 1
"$here/linux-guest/build.sh" --arch i386 >/dev/null 2>&1 || { echo "bench-virtio: FAIL could not build the i386 guest"; exit 1; }
minivmm=src/MiniVmm/bin/Release/net10.0/minivmm
if [ $build = 1 ] || [ ! -x $minivmm ]; then
    dotnet build src/MiniVmm -c Release -v q -nologo >/dev/null || { echo "bench-virtio: FAIL minivmm does not build"; exit 1; }
fi
command -v qemu-system-i386 >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >&2
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
cmdline="console=ttyS0 reboot=k panic=-1 pci=noacpi"

# run NAME COMMAND...: boots with the console on a FIFO, types the benchmark, prints "NAME WRITE_S READ_S".
run() {
    local name=$1; shift
    truncate -s $(((size + 8) * 1024 * 1024)) "$work/disk.img"
    mkfifo "$work/$name.in"
    "$@" <"$work/$name.in" >"$work/$name.out" 2>"$work/$name.err" &
    pid=$!
    exec 3>"$work/$name.in"
    local i=0
    while [ $i -lt 900 ] && ! grep -aq "minivmm-linux: type commands" "$work/$name.out"; do
        kill -0 $pid 2>/dev/null || break
        sleep 1; i=$((i + 1))
    done
    echo 'for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk; do insmod /lib/modules/$m.ko; done; while [ ! -b /dev/vda ]; do sleep 1; done' >&3
    echo "t0=\$(cut -d' ' -f1 /proc/uptime); dd if=/dev/zero of=/dev/vda bs=1M count=$size conv=fsync 2>/dev/null; t1=\$(cut -d' ' -f1 /proc/uptime); echo 3 > /proc/sys/vm/drop_caches; dd if=/dev/vda of=/dev/null bs=1M count=$size 2>/dev/null; t2=\$(cut -d' ' -f1 /proc/uptime); echo \"bench-result \$t0 \$t1 \$t2 end\"" >&3
    i=0
    while [ $i -lt 1800 ] && ! grep -aq "bench-result [0-9]" "$work/$name.out"; do
        kill -0 $pid 2>/dev/null || break
        sleep 1; i=$((i + 1))
    done
    echo 'poweroff -f' >&3
    exec 3>&-
    sleep 2; kill $pid 2>/dev/null; wait $pid 2>/dev/null; pid=""
    local line; line=$(grep -a "bench-result [0-9]" "$work/$name.out" | tail -n 1 | tr -d '\r')
    [ -n "$line" ] || { echo "bench-virtio: FAIL $name gave no result; console: $(tail -c 300 "$work/$name.out" | tr '\r\n' '  ')" >&2; return 1; }
    echo "$line" | awk -v n="$name" '{ print n, $3 - $2, $4 - $3 }'
}

mv=$(run minivmm $minivmm --machine configs/linux-i386-virtio.json --timeout 3600s \
    --set "boot:cmdline=$cmdline" --set "devices:7:options:image=$work/disk.img" "${sets[@]}") || exit 1
qm=$(run qemu qemu-system-i386 -M pc -accel tcg -cpu pentium2 -m 256 -nographic -no-reboot \
    -kernel artifacts/linux-i386/vmlinuz -initrd artifacts/linux-i386/initramfs.cpio -append "$cmdline" \
    -drive file="$work/disk.img",if=none,id=vda,format=raw -device virtio-blk-pci,drive=vda) || exit 1
echo "$mv" "$qm" | awk -v size="$size" '
    function rate(s) { return s > 0 ? size / s : 0 }
    { printf "bench-virtio: %d MiB sequential, dd bs=1M on /dev/vda (virtio-blk-pci), Debian i386 Linux\n", size
      printf "bench-virtio: write (conv=fsync): minivmm soft %6.2f MiB/s   QEMU TCG %6.2f MiB/s   minivmm/QEMU %.2fx\n", rate($2), rate($5), rate($2) / rate($5)
      printf "bench-virtio: read (cold cache):  minivmm soft %6.2f MiB/s   QEMU TCG %6.2f MiB/s   minivmm/QEMU %.2fx\n", rate($3), rate($6), rate($3) / rate($6) }'
