#!/usr/bin/env bash
# Installs what building and testing MiniVmm needs beyond the .NET SDK, on Debian:
# binutils (the guest images are checked against their assembly sources) and gcc
# (the KVM structures are checked against <linux/kvm.h> with a compiled probe), and Debian's SeaBIOS
# (software written elsewhere that the firmware tests boot), and gdb (the gdb stub is tested with the real one).
set -euo pipefail

if ! command -v dotnet >/dev/null; then
    echo "install-prerequisites.sh: the .NET SDK 10 is required (dotnet not found on PATH)" >&2
    exit 1
fi

missing=()
command -v as >/dev/null || missing+=(binutils)
command -v gcc >/dev/null || missing+=(gcc)
[[ -f /usr/include/linux/kvm.h ]] || missing+=(linux-libc-dev)
# Debian's SeaBIOS: the end-to-end firmware tests boot it on the software CPU (they skip without it).
[[ -f /usr/share/seabios/bios-256k.bin ]] || missing+=(seabios)
# Debian's gdb: the gdb stub's end-to-end tests drive it in batch mode (they skip without it).
command -v gdb >/dev/null || missing+=(gdb)
if [[ ${#missing[@]} -gt 0 ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "install-prerequisites.sh: installing ${missing[*]}" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    else
        echo "install-prerequisites.sh: missing ${missing[*]}; the tests that need them will be skipped" >&2
    fi
fi
