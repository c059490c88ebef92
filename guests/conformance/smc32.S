# Conformance guest smc32: self-modifying code in RAM, as a decode cache must handle it.
#
# Copies small routines from the ROM to RAM and runs them, then: patches an immediate and calls
# again; patches an opcode; stores over the very next instruction of the running sequence (no
# jump in between); rewrites a loop body while the loop runs; and runs code written by
# REP MOVSB. Every result must come from the code as it is in memory when executed.
        .include "common.inc"
        .include "pm32.inc"

        .set CODE_RAM, 0x20000

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "smc32\n"
        jmp     enter_pm32

        .text
        .code32
main32:
        # Routine A: mov $imm32, %eax; ret  (b8 imm32 c3)
        movb    $0xb8, CODE_RAM
        movl    $0x11111111, CODE_RAM + 1
        movb    $0xc3, CODE_RAM + 5
        PUTS32  "call A:"
        call    run_a
        PUTS32  "patch the immediate:"
        movl    $0x22222222, CODE_RAM + 1
        call    run_a
        PUTS32  "patch the opcode to mov ecx (b9):"
        movb    $0xb9, CODE_RAM
        mov     $0x33333333, %eax
        call    CODE_RAM
        PUTHEX32 %eax
        PUTHEX32 %ecx
        call    newline

        PUTS32  "store over the next instruction:"
        mov     $next_insn_end - next_insn_start, %ecx
        mov     $next_insn_start, %esi
        mov     $CODE_RAM + 0x100, %edi
        rep movsb
        call    CODE_RAM + 0x100
        PUTHEX32 %eax
        call    newline

        PUTS32  "rewrite a loop body while it runs:"
        mov     $loop_code_end - loop_code_start, %ecx
        mov     $loop_code_start, %esi
        mov     $CODE_RAM + 0x200, %edi
        rep movsb
        call    CODE_RAM + 0x200
        PUTHEX32 %eax
        call    newline

        PUTS32  "code written by rep movsb, run twice with different sources:"
        mov     $6, %ecx
        mov     $routine_b, %esi
        mov     $CODE_RAM + 0x300, %edi
        rep movsb
        call    CODE_RAM + 0x300
        PUTHEX32 %eax
        mov     $6, %ecx
        mov     $routine_c, %esi
        mov     $CODE_RAM + 0x300, %edi
        rep movsb
        call    CODE_RAM + 0x300
        PUTHEX32 %eax
        call    newline

        PUTS32  "smc32 done\n"
        mov     $0, %al
        jmp     exit32

run_a:
        xor     %eax, %eax
        call    CODE_RAM
        PUTHEX32 %eax
        jmp     newline

newline:
        push    %eax
        mov     $'\n', %al
        call    putc32
        pop     %eax
        ret

# Copied to RAM: the MOVB overwrites the immediate of the MOV right after it, which must then
# load 0x44 (position-independent: the store address comes from the call's return address).
next_insn_start:
        call    1f
1:      pop     %edx                            # edx = address of this pop
        movb    $0x44, (2f - 1b + 1)(%edx)      # the imm8 of "mov $0x0, %al" below
2:      mov     $0x00, %al
        movzbl  %al, %eax
        ret
next_insn_end:

# Copied to RAM: a loop of 3 passes whose ADD immediate the body itself changes from 1 to 0x10
# after the first pass: eax = 1 + 0x10 + 0x10 = 0x21.
loop_code_start:
        call    1f
1:      pop     %edx
        xor     %eax, %eax
        mov     $3, %ecx
2:      add     $1, %eax                        # 83 c0 01
        movb    $0x10, (2b - 1b + 2)(%edx)
        loop    2b
        ret
loop_code_end:

routine_b:
        mov     $0x0000b0b0, %eax
        ret
routine_c:
        mov     $0x0000c0c0, %eax
        ret
