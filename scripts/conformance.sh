#!/usr/bin/env bash
# The CPU conformance suite: every guest ROM in guests/conformance/ and every Multiboot kernel in
# guests/multiboot/ runs under QEMU TCG (the reference) and under minivmm (machine file
# configs/conformance/<guest>.json); serial output and exit status must be identical.
#
#   scripts/conformance.sh [options] [GUEST...]     GUEST = alu16, paging32, info ... (default: all)
#     --qemu-only      run only QEMU and compare it with the recorded <guest>.expected/.status
#                      (checks the recordings are current; no .NET build)
#     --minivmm-only   compare minivmm with the recordings only (no QEMU needed)
#     --record         run QEMU and rewrite the recordings (<guest>.expected and <guest>.status,
#                      beside the guest's image)
#     --no-build       use the minivmm executable as it is (default: dotnet build src/MiniVmm)
#     --keep DIR       keep the outputs in DIR (default: a temporary folder, deleted)
#
# Prints one line per guest (PASS, or FAIL with the first divergence) and a summary; exits 0
# when every guest passed, 1 when one failed, 2 on bad usage or a missing tool.
# Outcomes are compared, not raw codes: QEMU's shutdown (status 0 under -no-reboot, after a
# triple fault) matches minivmm's exit code 6 (guest shut down).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GUEST_DIRS=("$ROOT/guests/conformance" "$ROOT/guests/multiboot")
CONFIGS="$ROOT/configs/conformance"
MINIVMM="$ROOT/src/MiniVmm/bin/Debug/net10.0/minivmm"
QEMU_TIMEOUT=60
MINIVMM_TIMEOUT=300
# shellcheck source=conformance/lib.sh
source "$ROOT/scripts/conformance/lib.sh"

mode=both build=1 keep="" names=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --qemu-only) mode=qemu ;;
        --minivmm-only) mode=minivmm ;;
        --record) mode=record ;;
        --no-build) build=0 ;;
        --keep) keep="$2"; shift ;;
        -h|--help) sed -n '2,/^set /p' "$0" | sed '$d'; exit 0 ;;
        -*) echo "conformance: unknown option '$1' (try --help)" >&2; exit 2 ;;
        *) names+=("$1") ;;
    esac
    shift
done

# image_of NAME: the guest's image (a .rom or a Multiboot .elf), or nothing.
image_of() {
    local dir
    for dir in "${GUEST_DIRS[@]}"; do
        for image in "$dir/$1.rom" "$dir/$1.elf"; do
            [[ -f "$image" ]] && { echo "$image"; return; }
        done
    done
}

if [[ ${#names[@]} -eq 0 ]]; then
    for image in "${GUEST_DIRS[0]}"/*.rom "${GUEST_DIRS[1]}"/*.elf; do
        [[ -f "$image" ]] && names+=("$(basename "${image%.*}")")
    done
fi
for name in "${names[@]}"; do
    [[ -n "$(image_of "$name")" ]] || { echo "conformance: no guest '$name' (no $name.rom or $name.elf in guests/)" >&2; exit 2; }
done

ensure_qemu() {
    command -v qemu-system-x86_64 >/dev/null && return 0
    echo "conformance: installing Debian's qemu-system-x86" >&2
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq >&2 &&
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq qemu-system-x86 --no-install-recommends >&2
    command -v qemu-system-x86_64 >/dev/null || { echo "conformance: qemu-system-x86_64 is not available" >&2; exit 2; }
}

ensure_minivmm() {
    if (( build )); then
        echo "conformance: dotnet build src/MiniVmm" >&2
        dotnet build "$ROOT/src/MiniVmm" -nologo -v quiet >&2 || { echo "conformance: build failed" >&2; exit 2; }
    fi
    [[ -x "$MINIVMM" ]] || { echo "conformance: $MINIVMM not found (build src/MiniVmm)" >&2; exit 2; }
}

[[ "$mode" == minivmm ]] || ensure_qemu
[[ "$mode" == qemu || "$mode" == record ]] || ensure_minivmm

if [[ -n "$keep" ]]; then
    mkdir -p "$keep"; OUT="$(cd "$keep" && pwd)"
else
    OUT="$(mktemp -d)"; trap 'rm -rf "$OUT"' EXIT
fi

# run_qemu NAME: QEMU's serial output to $OUT/NAME.qemu; prints the raw exit status.
run_qemu() {
    "$ROOT/scripts/conformance/run-qemu.sh" "$(image_of "$1")" "$OUT/$1.qemu" "$QEMU_TIMEOUT" </dev/null >/dev/null 2>"$OUT/$1.qemu.log"
    echo $?
}

# run_minivmm NAME: minivmm's stdout (the serial port) to $OUT/NAME.minivmm; prints the exit code.
run_minivmm() {
    local config="$CONFIGS/$1.json"
    if [[ ! -f "$config" ]]; then
        echo "no machine file $config" > "$OUT/$1.minivmm.log"; : > "$OUT/$1.minivmm"
        echo 2; return
    fi
    timeout --kill-after=5 "$MINIVMM_TIMEOUT" "$MINIVMM" --machine "$config" </dev/null >"$OUT/$1.minivmm" 2>"$OUT/$1.minivmm.log"
    echo $?
}

# compare NAME EXPECTED_FILE EXPECTED_OUTCOME ACTUAL_FILE ACTUAL_OUTCOME LOG
compare() {
    local name="$1" efile="$2" eout="$3" afile="$4" aout="$5" log="$6" why=()
    [[ "$eout" == "$aout" ]] || why+=("status: expected $eout, got $aout")
    cmp -s "$efile" "$afile" || why+=("serial: $(first_divergence "$efile" "$afile")")
    if [[ ${#why[@]} -eq 0 ]]; then
        printf 'PASS %-14s %s, %s bytes\n' "$name" "$aout" "$(stat -c %s "$afile")"
        return 0
    fi
    printf 'FAIL %-14s %s\n' "$name" "${why[0]}"
    [[ ${#why[@]} -gt 1 ]] && printf '     %-14s %s\n' "" "${why[1]}"
    if [[ -s "$log" ]]; then
        # The first line is the headline (minivmm's error); the last the final state.
        printf '     %-14s log: %s\n' "" "$(grep -v '^\s*$' "$log" | sed -n '1p;$p' | uniq | tr -s ' ' | tr '\n' ' ' | head -c 300)"
    fi
    return 1
}

passed=0 failed=0
for name in "${names[@]}"; do
    image="$(image_of "$name")"
    expected="${image%.*}.expected"
    status_file="${image%.*}.status"
    expected_status="$(cat "$status_file" 2>/dev/null || echo missing)"
    case "$mode" in
        record)
            status="$(run_qemu "$name")"
            cp "$OUT/$name.qemu" "$expected"
            echo "$status" > "$status_file"
            printf 'REC  %-14s %s, %s bytes\n' "$name" "$(qemu_outcome "$status")" "$(stat -c %s "$expected")"
            passed=$((passed + 1))
            continue ;;
        qemu)
            status="$(run_qemu "$name")"
            if compare "$name" "$expected" "$(qemu_outcome "$expected_status")" "$OUT/$name.qemu" "$(qemu_outcome "$status")" "$OUT/$name.qemu.log"
            then passed=$((passed + 1)); else failed=$((failed + 1)); fi ;;
        minivmm)
            status="$(run_minivmm "$name")"
            if compare "$name" "$expected" "$(qemu_outcome "$expected_status")" "$OUT/$name.minivmm" "$(minivmm_outcome "$status")" "$OUT/$name.minivmm.log"
            then passed=$((passed + 1)); else failed=$((failed + 1)); fi ;;
        both)
            qstatus="$(run_qemu "$name")"
            mstatus="$(run_minivmm "$name")"
            if compare "$name" "$OUT/$name.qemu" "$(qemu_outcome "$qstatus")" "$OUT/$name.minivmm" "$(minivmm_outcome "$mstatus")" "$OUT/$name.minivmm.log"
            then passed=$((passed + 1)); else failed=$((failed + 1)); fi
            if ! cmp -s "$OUT/$name.qemu" "$expected" || [[ "$qstatus" != "$expected_status" ]]; then
                echo "     note: QEMU's run differs from ${expected#"$ROOT"/} or its .status (re-record with --record)"
            fi ;;
    esac
done

[[ "$mode" == record ]] && { echo "conformance: recorded $passed guests"; exit 0; }
echo "conformance: $passed passed, $failed failed"
(( failed == 0 ))
