#!/bin/bash
# Builds the virtio-blk disk of configs/linux-i386-virtio.json: a raw 16 MiB ext4 image (mke2fs -d,
# no partition table) holding hello.txt with a known line, which /virtio-check prints from the guest.
#   scripts/linux-guest/virtio-disk.sh [OUT]      (default artifacts/linux-i386/virtio.img)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-$repo/artifacts/linux-i386/virtio.img}
command -v mke2fs >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq e2fsprogs >&2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root" "$(dirname "$out")"
echo "hello from a virtio-blk ext4 disk" > "$work/root/hello.txt"
rm -f "$out"
mke2fs -q -t ext4 -L minivmm -d "$work/root" "$out" 16M >/dev/null
echo "virtio-disk: $out (ext4, hello.txt)" >&2
