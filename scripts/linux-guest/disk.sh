#!/bin/bash
# Builds a bootable raw disk image of the i386 guest (scripts/linux-guest/build.sh --arch i386):
# an MBR (syslinux's mbr.bin) with one active FAT16 partition at 1 MiB holding the kernel, the
# initramfs and syslinux configured to boot them with the console on ttyS0. SeaBIOS boots it from
# the IDE disk of configs/linux-i386-disk.json, as QEMU does with
#   qemu-system-i386 -M pc -accel tcg -nographic -drive file=artifacts/linux-i386/disk.img,format=raw
#   scripts/linux-guest/disk.sh [OUT]        (default artifacts/linux-i386/disk.img)
# Installs syslinux, syslinux-common, mtools, dosfstools and fdisk when missing (needs root then).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
guest=$repo/artifacts/linux-i386
out=${1:-$guest/disk.img}
size_mib=32

export DEBIAN_FRONTEND=noninteractive
apt_install() {
    apt-get install -y -qq --no-install-recommends "$@" >&2 || { apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "$@" >&2; }
}
{ command -v syslinux && command -v mcopy && command -v mkfs.fat && command -v sfdisk; } >/dev/null \
    && [ -f /usr/lib/syslinux/mbr/mbr.bin ] || apt_install syslinux syslinux-common mtools dosfstools fdisk
[ -f "$guest/vmlinuz" ] && [ -f "$guest/initramfs.cpio" ] || "$here/build.sh" --arch i386 >&2
cmdline=$(sed -n 's/.*"cmdline": "\(.*\)".*/\1/p' "$repo/configs/linux-i386.json")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
part=$work/part.img
start=2048 # sectors: the partition starts at 1 MiB, as fdisk aligns it
sectors=$((size_mib * 2048 - start))
truncate -s $((sectors * 512)) "$part"
# -h: the hidden sectors field tells syslinux's boot sector where the partition starts.
mkfs.fat -F 16 -n MINIVMM -h $start "$part" >/dev/null
cat >"$work/syslinux.cfg" <<EOF
SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL /vmlinuz
  INITRD /initrd
  APPEND $cmdline
EOF
mcopy -i "$part" "$guest/vmlinuz" ::/vmlinuz
mcopy -i "$part" "$guest/initramfs.cpio" ::/initrd
mcopy -i "$part" "$work/syslinux.cfg" ::/syslinux.cfg
syslinux --install "$part"

disk=$work/disk.img
truncate -s $((size_mib * 1024 * 1024)) "$disk"
echo "start=$start, size=$sectors, type=6, bootable" | sfdisk -q "$disk"
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$disk" conv=notrunc status=none
dd if="$part" of="$disk" bs=512 seek=$start conv=notrunc status=none
mkdir -p "$(dirname "$out")"
mv "$disk" "$out"
echo "$out"
