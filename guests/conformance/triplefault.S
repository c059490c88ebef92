# Conformance guest triplefault: an exception with no usable IDT shuts the machine down.
#
# In protected mode with an IDT limit of 0, UD2 raises #UD, whose delivery raises #GP, whose
# delivery raises #DF, whose delivery fails: a triple fault. QEMU (-no-reboot) shuts down
# (exit status 0); minivmm reports a shutdown exit (exit code 6). Nothing after UD2 may print.
        .include "common.inc"
        .include "pm32.inc"

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "triplefault\n"
        jmp     enter_pm32

        .data
empty_idt:
        .word   0
        .long   0

        .text
        .code32
main32:
        PUTS32  "protected mode, idt limit 0, ud2\n"
        lidt    empty_idt
        ud2
        PUTS32  "still running after a triple fault\n"
        mov     $0x3e, %al
        jmp     exit32
