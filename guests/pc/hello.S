# The default machine's guest (configs/pc.json): a 64 KiB ROM that greets the user over COM1
# from real mode, switches to 32-bit protected mode, reports what CPUID says about the CPU it
# runs on, and halts with interrupts off, which ends the VM with exit code 0.
# Built like the conformance ROMs (it shares their start-up and output code).
        .include "common.inc"
        .include "pm32.inc"

        .section .text16, "ax"
        .code16
        .globl main16
main16:
        PUTS16  "MiniVmm: hello from 16-bit real mode (CS=F000, reset vector F000:FFF0)\r\n"
        jmp     enter_pm32

        .text
        .code32
        .globl main32
main32:
        PUTS32  "MiniVmm: now in 32-bit protected mode, flat segments\r\n"
        PUTS32  "CPUID vendor: "
        xor     %eax, %eax
        cpuid
        mov     %ebx, vendor
        mov     %edx, vendor + 4
        mov     %ecx, vendor + 8
        movb    $0, vendor + 12
        mov     $vendor, %esi
        call    puts32
        PUTS32  "\r\nCPUID 1: signature"
        mov     $1, %eax
        cpuid
        PUTHEX32 %eax
        PUTS32  ", features (edx)"
        PUTHEX32 %edx
        PUTS32  "\r\nGoodbye: halting with interrupts off.\r\n"
        cli
        hlt

        .bss
vendor: .skip 16
