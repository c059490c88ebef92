# Conformance guest alu16: 16-bit real-mode integer ALU results and flags.
#
# Runs every operation of the table below on every operand vector, once with all arithmetic
# flags clear (FLAGS in = 0002) and once with all set (08d7), and prints one line per run:
#     <op> <ax in> <bx in> <dx in> <flags in> > <ax out> <dx out> <flags out>
# CX holds the same value as BX (shift/rotate count in CL). Flags out are masked to the
# flags the SDM defines for that operation (and, for shifts and rotates, that count), so a CPU
# passes by matching the architecture, not QEMU's choice for undefined bits. A #DE (DIV
# overflow or divide by zero, AAM 0) prints "#DE" instead of the results: the IVT handler
# steps over the 2-byte instruction.
        .include "common.inc"
        .include "alu16ops.inc"

        .section .text16, "ax"
        .code16
main16:
        call    install_divide_error
        PUTS16  "alu16: op ax bx dx fl > ax dx fl\n"
        mov     $ops, %si
1:      cmp     $ops_end, %si
        je      3f
        mov     $vectors, %di
2:      movw    $0x0002, V_FLAGS_IN
        call    run_case
        movw    $0x0002 | FL_ARITH | 0x2, V_FLAGS_IN
        call    run_case
        add     $6, %di
        cmp     $vectors_end, %di
        jne     2b
        add     $OP_SIZE, %si
        jmp     1b
3:      PUTS16  "alu16 done\n"
        mov     $0, %al
        jmp     exit16

# run_case: run op CS:SI on vector CS:DI with FLAGS = [V_FLAGS_IN] and print the line.
run_case:
        mov     %cs:0(%di), %ax
        mov     %ax, V_VEC_A
        mov     %cs:2(%di), %ax
        mov     %ax, V_VEC_B
        mov     %cs:4(%di), %ax
        mov     %ax, V_VEC_D
        call    execute_case
        push    %si
        mov     %cs:OP_NAME(%si), %si
        call    puts16
        pop     %si
        mov     %cs:0(%di), %ax
        call    space_word
        mov     %cs:2(%di), %ax
        call    space_word
        mov     %cs:4(%di), %ax
        call    space_word
        mov     V_FLAGS_IN, %ax
        call    space_word
        PUTS16  " >"
        cmpw    $0, V_FAULTED
        je      2f
        PUTS16  " #DE\n"
        ret
2:      mov     V_AX, %ax
        call    space_word
        mov     V_DX, %ax
        call    space_word
        call    defined_flags
        and     V_FLAGS, %ax
        call    space_word
        mov     $'\n', %al
        jmp     putc16

space_word:
        push    %ax
        mov     $' ', %al
        call    putc16
        pop     %ax
        jmp     hex16_word

        .section .text16.vectors, "a"
vectors:
        .word   0x0000, 0x0000, 0x0000
        .word   0x0001, 0x0001, 0x0000
        .word   0x7fff, 0x0001, 0x0000
        .word   0x8000, 0xffff, 0x0000
        .word   0xffff, 0x0001, 0x0001
        .word   0x8000, 0x8000, 0xffff
        .word   0x00ff, 0x0010, 0x0000
        .word   0x0f0f, 0x0011, 0x0000
        .word   0xabcd, 0x0009, 0x0012
        .word   0xfedc, 0x0008, 0x0003
        .word   0x0099, 0x0107, 0xffff
        .word   0x5555, 0x001f, 0x0000
        .word   0x0b39, 0x0020, 0x0000
        .word   0x8a9a, 0xff21, 0xfff0
vectors_end:
