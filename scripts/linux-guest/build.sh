#!/bin/bash
# Builds what configs/linux.json boots: Debian's amd64 kernel (downloaded and unpacked, nothing is
# installed) as artifacts/linux/vmlinuz, and a busybox initramfs whose /init (init.sh here) starts a
# shell on ttyS0, as artifacts/linux/initramfs.cpio.
#   scripts/linux-guest/build.sh [OUT]     (default artifacts/linux)
# Needs root for apt-get when busybox-static or cpio are missing.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-$repo/artifacts/linux}

missing=()
{ [ -x /bin/busybox ] && /bin/busybox --list | grep -x cttyhack >/dev/null; } || missing+=(busybox-static)
command -v cpio >/dev/null || missing+=(cpio)
if [ ${#missing[@]} -gt 0 ]; then
    echo "linux-guest: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "${missing[@]}" >&2 || { apt-get update -qq >&2 && apt-get install -y -qq "${missing[@]}" >&2; }
fi
if ! apt-cache show linux-image-amd64 >/dev/null 2>&1; then apt-get update -qq >&2; fi

# The kernel cache is shared with the KVM test bed (same package, unpacked once).
cache=$repo/artifacts/kvm-testbed/kernel
version=$("$repo/scripts/kvm-testbed/fetch-kernel.sh" "$cache")
mkdir -p "$out"
cp "$cache/boot/vmlinuz-$version" "$out/vmlinuz"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin"
cp /bin/busybox "$root/bin/busybox"
cp "$here/init.sh" "$root/init"
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$out/initramfs.cpio"
echo "linux-guest: kernel $version -> $out/vmlinuz; initramfs $(du -k "$out/initramfs.cpio" | cut -f1) KiB -> $out/initramfs.cpio" >&2
