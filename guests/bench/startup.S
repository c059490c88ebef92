# The start-up baseline of scripts/bench-vs-qemu.sh (configs/bench/startup.json): prints one line
# and exits through isa-debug-exit with 0 (status 1) at once, so its wall-clock time is what a
# VMM spends starting and stopping. The script subtracts it from the other guests' times.
        .include "common.inc"

        .section .text16, "ax"
        .code16
        .globl main16
main16:
        PUTS16  "startup: done\r\n"
        xor     %al, %al
        jmp     exit16
