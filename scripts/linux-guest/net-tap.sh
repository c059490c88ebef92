#!/bin/bash
# The i386 Linux VM (configs/linux-i386-virtio.json) with its virtio-net-pci NIC on a host TAP
# interface ("backend": {"type": "tap"}), run inside a network namespace this script makes: the
# host side of the TAP gets 10.0.77.1, the guest brings eth0 up as 10.0.77.2 and pings it
# (/virtio-check). Traffic stays on the namespace's TAP; nothing leaves it. Needs root.
#   scripts/linux-guest/net-tap.sh [--limit SECONDS] [--no-build]
# Prints "net-tap: PASS ..." or "net-tap: FAIL ..."; exits 0 only on PASS.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
limit=900 build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --limit) limit=$2; shift ;;
        --no-build) build=0 ;;
        *) echo "usage: net-tap.sh [--limit SECONDS] [--no-build]" >&2; exit 2 ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { echo "net-tap: SKIP needs root (a TAP interface and a network namespace)"; exit 0; }
[ -c /dev/net/tun ] || { echo "net-tap: SKIP no /dev/net/tun"; exit 0; }
cd "$repo" || exit 1
"$here/build.sh" --arch i386 || { echo "net-tap: FAIL could not build the i386 guest"; exit 1; }
minivmm=src/MiniVmm/bin/Release/net10.0/minivmm
if [ $build = 1 ] || [ ! -x $minivmm ]; then
    dotnet build src/MiniVmm -c Release -v q -nologo >/dev/null || { echo "net-tap: FAIL minivmm does not build"; exit 1; }
fi
work=$(mktemp -d)
ns=minivmm-net-tap-$$ tap=mvmtap$$
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; ip netns del "$ns" 2>/dev/null; rm -rf "$work"' EXIT
ip netns add "$ns" || { echo "net-tap: FAIL ip netns add"; exit 1; }
ip -n "$ns" link set lo up
cmdline=$(sed -n 's/.*"cmdline": "\(.*\)".*/\1/p' configs/linux-i386-virtio.json)
"$here/virtio-disk.sh" "$work/disk.img" 2>/dev/null
mkfifo "$work/in"
# minivmm runs inside the namespace, so its TAP is created there.
timeout "$((limit + 60))" ip netns exec "$ns" $minivmm --machine configs/linux-i386-virtio.json --timeout "$((limit + 30))s" \
    --set "boot:cmdline=$cmdline minivmm.ip=10.0.77.2 minivmm.peer=10.0.77.1" \
    --set "devices:7:options:image=$work/disk.img" --set "devices:9:options:backend=file:$work/hvc0" \
    --set "devices:10:options:backend:type=tap" --set "devices:10:options:backend:ifname=$tap" \
    --set "devices:10:options:mac=52:54:00:77:00:02" <"$work/in" >"$work/out" 2>"$work/err" &
pid=$!
exec 3>"$work/in"
i=0 # the host side of the TAP once minivmm made it
while [ $i -lt 60 ] && ! ip -n "$ns" link show "$tap" >/dev/null 2>&1; do sleep 1; i=$((i + 1)); done
ip -n "$ns" addr add 10.0.77.1/24 dev "$tap" && ip -n "$ns" link set "$tap" up || { echo "net-tap: FAIL no TAP $tap in the namespace; stderr: $(tail -c 300 "$work/err")"; exit 1; }
i=0
while [ $i -lt "$limit" ] && ! grep -aq "minivmm-linux: type commands" "$work/out"; do sleep 1; i=$((i + 1)); done
result=FAIL
if grep -aq "minivmm-virtio: ping 10.0.77.1: ok" "$work/out"; then
    result=PASS
    echo "net-tap: PASS the guest pinged the host side of $tap: $(grep -a 'minivmm-virtio: eth0\|minivmm-virtio: ping' "$work/out" | tr '\r\n' '  ')"
    echo "net-tap: host side: $(ip -n "$ns" -s link show "$tap" | awk '/RX:/ { getline; print "rx packets " $2 } /TX:/ { getline; print "tx packets " $2 }' | tr '\n' ' ')"
else
    echo "net-tap: FAIL $(grep -a 'minivmm-virtio' "$work/out" | tr '\r\n' '  ') stderr: $(tail -c 300 "$work/err" | tr '\n' ' ')"
fi
echo 'poweroff -f' >&3
wait "$pid"; status=$?; pid=""
[ "$status" = 0 ] || { echo "net-tap: FAIL minivmm ended with $status after poweroff -f"; result=FAIL; }
echo "net-tap: $result"
[ $result = PASS ]
