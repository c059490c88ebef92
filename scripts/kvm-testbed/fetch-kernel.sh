#!/bin/bash
# Downloads Debian's amd64 kernel package (the one linux-image-amd64 depends on) and unpacks it with
# dpkg -x into $1 (nothing is installed on the host). Prints the unpacked kernel version.
set -euo pipefail
dest=$1
if [ -f "$dest/.complete" ]; then
    cat "$dest/.complete"
    exit 0
fi
package=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
if [ -z "$package" ]; then
    echo "fetch-kernel: cannot find the kernel package linux-image-amd64 depends on (run apt-get update?)" >&2
    exit 1
fi
work=$(mktemp -d)
chmod 755 "$work" # apt-get download drops to the _apt user
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q "$package" >&2)
rm -rf "$dest"
mkdir -p "$dest"
dpkg -x "$work"/"$package"_*.deb "$dest"
version=${package#linux-image-}
[ -f "$dest/boot/vmlinuz-$version" ] || { echo "fetch-kernel: $package has no boot/vmlinuz-$version" >&2; exit 1; }
echo "$version" > "$dest/.complete"
echo "$version"
