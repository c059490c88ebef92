# Helpers for scripts/conformance.sh (sourced, not run).

# qemu_outcome STATUS: what QEMU's exit status means for a conformance guest.
#   odd        the guest wrote v to isa-debug-exit: status (v << 1) | 1
#   0          shutdown (a triple fault; -no-reboot turns the reset into an exit)
#   124, 137   timeout
qemu_outcome() {
    local s="$1"
    if (( s % 2 == 1 )); then echo "exit $s"
    elif (( s == 0 )); then echo "shutdown"
    elif (( s == 124 || s == 137 )); then echo "timeout"
    else echo "qemu-error $s"
    fi
}

# minivmm_outcome STATUS: the same vocabulary for minivmm's exit codes (docs: COMMON.md).
#   odd        isa-debug-exit, as QEMU
#   6          the guest crashed or shut down (triple fault; also unimplemented instructions,
#              whose serial output then differs and whose stderr is shown)
#   124        instruction or time limit; 0 halted; 2/4/8 configuration, load or device errors
minivmm_outcome() {
    local s="$1"
    if (( s % 2 == 1 && s != 143 )); then echo "exit $s"
    elif (( s == 6 )); then echo "shutdown"
    elif (( s == 124 || s == 137 )); then echo "timeout"
    elif (( s == 0 )); then echo "halted"
    else echo "error $s"
    fi
}

# first_divergence EXPECTED ACTUAL: one line saying where two serial outputs first differ.
first_divergence() {
    local expected="$1" actual="$2" offset line
    offset="$(cmp "$expected" "$actual" 2>/dev/null | awk '{print $5}' | tr -d ,)"
    if [[ -z "$offset" ]]; then
        # cmp reports EOF on the shorter file
        local e a
        e="$(stat -c %s "$expected")" a="$(stat -c %s "$actual")"
        if (( a < e )); then
            line="$(head -c "$a" "$expected" | wc -l)"
            echo "output stops after $a of $e bytes, in line $((line + 1)); expected next: $(show_bytes "$expected" "$a")"
        else
            line="$(head -c "$e" "$actual" | wc -l)"
            echo "$((a - e)) extra bytes after byte $e, in line $((line + 1)): $(show_bytes "$actual" "$e")"
        fi
        return
    fi
    line="$(head -c "$((offset - 1))" "$expected" | wc -l)"
    line=$((line + 1))
    echo "byte $offset (line $line): expected $(show_line "$expected" "$line") got $(show_line "$actual" "$line")"
}

# show_bytes FILE N: up to 80 bytes of FILE after its first N, quoted, non-printables escaped.
show_bytes() {
    printf "'%s'" "$(tail -c +"$(( $2 + 1 ))" "$1" | head -c 80 | cat -v | sed -z 's/\n/\\n/g')"
}

# show_line FILE N: line N of FILE, quoted, non-printables escaped, cut to 100 characters.
show_line() {
    local text
    text="$(sed -n "${2}p" "$1" | head -c 100 | cat -v)"
    printf "'%s'" "$text"
}
