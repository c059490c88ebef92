#!/bin/bash
# Builds the Linux guests MiniVmm boots: Debian's kernel (downloaded and unpacked, nothing is
# installed) as OUT/vmlinuz, and a busybox initramfs whose /init (init.sh here) starts a shell on
# ttyS0, as OUT/initramfs.cpio.
#   scripts/linux-guest/build.sh [--arch amd64|i386] [OUT]
#     amd64 (default): linux-image-amd64 + the host's busybox-static -> artifacts/linux (configs/linux.json, KVM)
#     i386:            linux-image-686 + busybox-static:i386 -> artifacts/linux-i386 (the software CPU)
# Packages are fetched with apt-get download and unpacked with dpkg -x into artifacts/ (cached).
# Needs root for apt-get (and, for i386, to add the i386 architecture to dpkg's list).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
arch=amd64
if [ "${1:-}" = "--arch" ]; then arch=$2; shift 2; fi
case "$arch" in
    amd64) out=${1:-$repo/artifacts/linux} ;;
    i386) out=${1:-$repo/artifacts/linux-i386} ;;
    *) echo "linux-guest: --arch is amd64 or i386, not '$arch'" >&2; exit 2 ;;
esac

export DEBIAN_FRONTEND=noninteractive
apt_install() {
    apt-get install -y -qq "$@" >&2 || { apt-get update -qq >&2 && apt-get install -y -qq "$@" >&2; }
}
command -v cpio >/dev/null || apt_install cpio

# fetch_package NAME DEST
source "$repo/scripts/lib/fetch-package.sh"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$out"

if [ "$arch" = amd64 ]; then
    { [ -x /bin/busybox ] && /bin/busybox --list | grep -x cttyhack >/dev/null; } || apt_install busybox-static
    if ! apt-cache show linux-image-amd64 >/dev/null 2>&1; then apt-get update -qq >&2; fi
    # The kernel cache is shared with the KVM test bed (same package, unpacked once).
    cache=$repo/artifacts/kvm-testbed/kernel
    version=$("$repo/scripts/kvm-testbed/fetch-kernel.sh" "$cache")
    cp "$cache/boot/vmlinuz-$version" "$out/vmlinuz"
    cp /bin/busybox "$root/bin/busybox"
    modules=$cache/lib/modules/$version/kernel
else
    if ! dpkg --print-foreign-architectures | grep -qx i386; then
        dpkg --add-architecture i386
        apt-get update -qq >&2
    fi
    if ! apt-cache show linux-image-686:i386 >/dev/null 2>&1; then apt-get update -qq >&2; fi
    package=$(apt-cache depends linux-image-686:i386 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-686\)\(:i386\)\?$/\1/p' | head -n1)
    [ -n "$package" ] || { echo "linux-guest: cannot find the kernel package linux-image-686 depends on" >&2; exit 1; }
    cache=$repo/artifacts/linux-i386-packages
    fetch_package "$package:i386" "$cache/kernel"
    fetch_package "busybox-static:i386" "$cache/busybox"
    version=${package#linux-image-}
    cp "$cache/kernel/boot/vmlinuz-$version" "$out/vmlinuz"
    cp "$cache/busybox/bin/busybox" "$root/bin/busybox"
    modules=$cache/kernel/lib/modules/$version/kernel
fi

# The virtio and ext4 modules of the same kernel package, for /virtio-check (boot.sh --virtio).
mkdir -p "$root/lib/modules"
for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci_legacy_dev \
         drivers/virtio/virtio_pci drivers/block/virtio_blk drivers/char/hw_random/virtio-rng drivers/char/virtio_console \
         net/core/failover drivers/net/net_failover drivers/net/virtio_net \
         lib/crc16 fs/mbcache fs/jbd2/jbd2 crypto/crc32c_generic fs/ext4/ext4; do
    cp "$modules/$m.ko" "$root/lib/modules/"
done
cp "$here/virtio-check.sh" "$root/virtio-check"
chmod 755 "$root/virtio-check"

cp "$here/init.sh" "$root/init"
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$out/initramfs.cpio"
echo "linux-guest: $arch kernel $version -> $out/vmlinuz; initramfs $(du -k "$out/initramfs.cpio" | cut -f1) KiB -> $out/initramfs.cpio" >&2
