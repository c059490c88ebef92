#!/bin/bash
# Two i386 Linux VMs on the software CPU (configs/linux-i386-virtio.json, each with its own copy of
# the virtio disk) joined by their virtio-net-pci NICs' UDP wire on loopback: each brings eth0 up
# (10.0.76.1 and 10.0.76.2) and pings the other (/virtio-check). Both must print
# "minivmm-virtio: ping PEER: ok"; then 'poweroff -f' must end both minivmm with 0.
# With --stream the NICs share a TCP stream instead (the "backend": {"type": "stream"} option,
# QEMU's -netdev stream framing): VM a listens, VM b connects.
#   scripts/linux-guest/net-pair.sh [--stream] [--limit SECONDS] [--no-build]
# Prints "net-pair: PASS ..." or "net-pair: FAIL ..."; exits 0 only when both passed.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
limit=1500 build=1 stream=0
while [ $# -gt 0 ]; do
    case "$1" in
        --limit) limit=$2; shift ;;
        --no-build) build=0 ;;
        --stream) stream=1 ;;
        *) echo "usage: net-pair.sh [--stream] [--limit SECONDS] [--no-build]" >&2; exit 2 ;;
    esac
    shift
done
cd "$repo" || exit 1
"$here/build.sh" --arch i386 || { echo "net-pair: FAIL could not build the i386 guest"; exit 1; }
minivmm=src/MiniVmm/bin/Release/net10.0/minivmm
if [ $build = 1 ] || [ ! -x $minivmm ]; then
    dotnet build src/MiniVmm -c Release -v q -nologo >/dev/null || { echo "net-pair: FAIL minivmm does not build"; exit 1; }
fi
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
cmdline=$(sed -n 's/.*"cmdline": "\(.*\)".*/\1/p' configs/linux-i386-virtio.json)
port_a=$((20000 + RANDOM % 20000)); port_b=$((port_a + 1))

# start NAME IP PEER LOCAL REMOTE MAC: one VM with its console on a FIFO (fd 3 for a, 4 for b).
# On the stream, a listens on its LOCAL port and b connects to its REMOTE one (the same port).
start() {
    local name=$1 wire
    if [ $stream = 0 ]; then
        wire=(--set "devices:10:options:local=127.0.0.1:$4" --set "devices:10:options:remote=127.0.0.1:$5")
    elif [ "$name" = a ]; then
        wire=(--set "devices:10:options:backend:type=stream" --set "devices:10:options:backend:listen=127.0.0.1:$4")
    else
        wire=(--set "devices:10:options:backend:type=stream" --set "devices:10:options:backend:connect=127.0.0.1:$5")
    fi
    "$here/virtio-disk.sh" "$work/$name.img" 2>/dev/null
    mkfifo "$work/$name.in"
    timeout "$((limit + 60))" $minivmm --machine configs/linux-i386-virtio.json --timeout "$((limit + 30))s" \
        --set "boot:cmdline=$cmdline minivmm.ip=$2 minivmm.peer=$3" \
        --set "devices:7:options:image=$work/$name.img" --set "devices:9:options:backend=file:$work/$name.hvc0" \
        "${wire[@]}" --set "devices:10:options:mac=$6" \
        <"$work/$name.in" >"$work/$name.out" 2>"$work/$name.err" &
    pids+=($!)
}
start a 10.0.76.1 10.0.76.2 $port_a $port_b 52:54:00:76:00:01
exec 3>"$work/a.in"
start b 10.0.76.2 10.0.76.1 $port_b $port_a 52:54:00:76:00:02
exec 4>"$work/b.in"

result=PASS
for name in a b; do
    i=0
    while [ $i -lt "$limit" ] && ! grep -aq "minivmm-linux: type commands" "$work/$name.out"; do sleep 1; i=$((i + 1)); done
    if grep -aq "minivmm-virtio: ping .*: ok" "$work/$name.out"; then
        echo "net-pair: PASS $name: $(grep -a 'minivmm-virtio: eth0\|minivmm-virtio: ping' "$work/$name.out" | tr '\r\n' '  ')"
    else
        echo "net-pair: FAIL $name: $(grep -a 'minivmm-virtio' "$work/$name.out" | tr '\r\n' '  ') stderr: $(tail -c 300 "$work/$name.err" | tr '\n' ' ')"
        result=FAIL
    fi
done
echo 'poweroff -f' >&3
echo 'poweroff -f' >&4
for i in 0 1; do
    wait "${pids[$i]}"; status=$?
    [ "$status" = 0 ] || { echo "net-pair: FAIL VM $i ended with $status after poweroff -f"; result=FAIL; }
done
pids=()
echo "net-pair: $result"
[ $result = PASS ]
