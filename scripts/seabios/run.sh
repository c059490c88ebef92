#!/usr/bin/env bash
# Debian's SeaBIOS under QEMU TCG (the reference) and under minivmm on the software CPU, side by side.
#
#   scripts/seabios/run.sh [options]
#     (default)    no disk: both print SeaBIOS's banner on COM1 and end at "No bootable device"
#                  (minivmm on the deterministic clock reaches SeaBIOS's reboot 60 guest seconds later
#                  and exits 0; QEMU is stopped after QEMU_TIMEOUT seconds, default 10)
#     --kernel     boot guests/linuxboot/setup-hello.bzImage with a command line through fw_cfg and
#                  QEMU's linuxboot_dma.bin option ROM, as qemu -kernel/-append does; both exit 33
#     --no-build   use the minivmm executable as it is (default: dotnet build src/MiniVmm -c Release)
#     --keep DIR   keep the outputs in DIR (default: a temporary folder, deleted)
#
# Installs seabios and qemu-system-x86 with apt-get when they are missing (needs root). Prints each
# side's serial output, the last lines of SeaBIOS's debug log (port 0x402), the exit status and the
# wall time (minivmm's own run time, start-up taken out, from --stats). Exits 0 when both printed the banner (and, with --kernel, the setup's greeting), else 1.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIOS=/usr/share/seabios/bios-256k.bin
LINUXBOOT=/usr/share/qemu/linuxboot_dma.bin
KERNEL="$ROOT/guests/linuxboot/setup-hello.bzImage"
CMDLINE="hello from fw_cfg"
MINIVMM="$ROOT/src/MiniVmm/bin/Release/net10.0/minivmm"
QEMU_TIMEOUT="${QEMU_TIMEOUT:-10}"

kernel=0 build=1 keep=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --kernel) kernel=1 ;;
        --no-build) build=0 ;;
        --keep) keep="$2"; shift ;;
        -h|--help) sed -n '2,/^set /p' "$0" | sed '$d'; exit 0 ;;
        *) echo "seabios/run.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
    shift
done

if [[ ! -f "$BIOS" || ! -f "$LINUXBOOT" ]] || ! command -v qemu-system-i386 >/dev/null; then
    if [[ $(id -u) -ne 0 ]]; then
        echo "seabios/run.sh: needs the seabios and qemu-system-x86 packages (run as root to install them)" >&2; exit 2
    fi
    echo "installing seabios and qemu-system-x86 ..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq seabios qemu-system-x86 >/dev/null \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq seabios qemu-system-x86 >/dev/null; } \
        || { echo "seabios/run.sh: apt-get could not install seabios and qemu-system-x86" >&2; exit 2; }
fi
if [[ $build -eq 1 ]]; then
    dotnet build "$ROOT/src/MiniVmm" -c Release -v quiet -nologo >/dev/null || { echo "seabios/run.sh: build failed" >&2; exit 2; }
fi

out="${keep:-$(mktemp -d)}"
mkdir -p "$out"
[[ -z "$keep" ]] && trap 'rm -rf "$out"' EXIT

qemu_args=(-M pc -accel tcg -m 128 -nographic -net none -bios "$BIOS"
           -chardev "file,id=seabios-log,path=$out/qemu-debug.log" -device isa-debugcon,iobase=0x402,chardev=seabios-log)
minivmm_args=(--machine "$ROOT/configs/seabios.json" --stats
              --set "devices:1:options:backend=file:$out/minivmm-debug.log")
expect="SeaBIOS (version"
if [[ $kernel -eq 1 ]]; then
    qemu_args+=(-kernel "$KERNEL" -append "$CMDLINE" -device isa-debug-exit,iobase=0xf4,iosize=1)
    minivmm_args+=(--set "devices:0:options:kernel=$KERNEL" --set "devices:0:options:cmdline=$CMDLINE")
    expect="setup entered, cmdline: $CMDLINE"
else
    minivmm_args+=(--set clock=deterministic) # the 60 s retry passes at once; SeaBIOS's reboot ends the run
fi

# run NAME COMMAND...: runs one side, then prints what it printed.
status=0
run() {
    local name="$1"; shift
    local start end code
    start=$(date +%s.%N)
    "$@" </dev/null >"$out/$name.out" 2>"$out/$name.err"
    code=$?
    end=$(date +%s.%N)
    printf '=== %s: exit %s, %.2f s ===\n' "$name" "$code" "$(echo "$end - $start" | bc)"
    tr -d '\r' <"$out/$name.out" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' | grep -v '^$'
    grep -E "statistics:|first guest output" "$out/$name.err" | sed "s/^ */--- $name: /"
    echo "--- $name: SeaBIOS debug log (last 5 lines) ---"
    tail -n 5 "$out/$name-debug.log" 2>/dev/null
    grep -q -F "$expect" "$out/$name.out" || { echo "--- $name did not print '$expect'"; status=1; }
}

run qemu timeout "$QEMU_TIMEOUT" qemu-system-i386 "${qemu_args[@]}"
run minivmm "$MINIVMM" "${minivmm_args[@]}"
exit $status
