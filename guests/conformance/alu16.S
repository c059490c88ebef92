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

        .set FL_CF, 0x001
        .set FL_PF, 0x004
        .set FL_AF, 0x010
        .set FL_ZF, 0x040
        .set FL_SF, 0x080
        .set FL_OF, 0x800
        .set FL_ARITH, FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF
        .set FL_MUL_UNDEF, FL_SF | FL_ZF | FL_AF | FL_PF
        .set FL_BCD_UNDEF, FL_OF | FL_SF | FL_ZF | FL_PF

        # Operation kinds: how the count changes which flags are defined.
        .set K_PLAIN, 0         # static mask only
        .set K_SHIFT, 1         # SHL/SHR: count 0 keeps flags; AF undefined; OF if count > 1; CF if count >= width
        .set K_SAR, 2           # SAR: as SHL/SHR, but CF stays defined
        .set K_ROTATE, 3        # ROL/ROR/RCL/RCR: OF undefined if count > 1
        .set USE_CL, 0xff

        # Scratch variables (DS = 0).
        .set V_FLAGS_IN, 0x500
        .set V_FAULTED, 0x502
        .set V_ROUTINE, 0x504
        .set V_AX, 0x506
        .set V_DX, 0x508
        .set V_FLAGS, 0x50a

        .set OP_NAME, 0
        .set OP_ROUTINE, 2
        .set OP_KIND, 4
        .set OP_WIDTH, 5
        .set OP_UNDEF, 6
        .set OP_COUNT, 8
        .set OP_SIZE, 10

# OP "name", kind, width, undefined-flags, count, instruction: one table entry whose routine is
# the instruction followed by RET (neither CALL nor RET touches the flags).
.macro OP name, kind, width, undef, count, insn:vararg
        .pushsection .text16.strings, "a"
.Lop_name\@: .asciz "\name"
        .popsection
        .pushsection .text16.routines, "ax"
.Lop_code\@: \insn
        ret
        .popsection
        .word   .Lop_name\@, .Lop_code\@
        .byte   \kind, \width
        .word   \undef
        .byte   \count, 0
.endm

        .section .text16, "ax"
        .code16
main16:
        movw    $divide_error, 0 * 4            # IVT[0] = F000:divide_error
        movw    $ROM_SEGMENT, 0 * 4 + 2
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
        push    %si
        push    %di
        mov     %cs:OP_ROUTINE(%si), %ax
        mov     %ax, V_ROUTINE
        movw    $0, V_FAULTED
        mov     %cs:0(%di), %ax
        mov     %cs:2(%di), %bx
        mov     %cs:4(%di), %dx
        mov     %bx, %cx
        cmpb    $USE_CL, %cs:OP_COUNT(%si)
        je      1f
        movb    %cs:OP_COUNT(%si), %cl          # fixed-count forms: report the count they use
1:      pushw   V_FLAGS_IN
        popf
        call    *V_ROUTINE
        pushf
        popw    V_FLAGS
        mov     %ax, V_AX
        mov     %dx, V_DX
        pop     %di
        pop     %si
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

# defined_flags: AX = the flags op CS:SI defines for the count in use (vector CS:DI).
defined_flags:
        push    %cx
        mov     $FL_ARITH, %ax
        mov     %cs:OP_UNDEF(%si), %cx
        not     %cx
        and     %cx, %ax
        movb    %cs:OP_COUNT(%si), %cl
        cmp     $USE_CL, %cl
        jne     1f
        movb    %cs:2(%di), %cl
1:      and     $0x1f, %cl                      # the CPU masks counts to 5 bits
        movb    %cs:OP_KIND(%si), %ch
        cmp     $K_PLAIN, %ch
        je      9f
        test    %cl, %cl
        jz      9f                              # count 0: no flag changes, all defined
        cmp     $K_ROTATE, %ch
        je      2f
        and     $~FL_AF, %ax
        cmp     $K_SAR, %ch
        je      2f
        cmp     %cs:OP_WIDTH(%si), %cl
        jb      2f
        and     $~FL_CF, %ax
2:      cmp     $1, %cl
        je      9f
        and     $~FL_OF, %ax
9:      pop     %cx
        ret

divide_error:
        push    %bp
        mov     %sp, %bp
        addw    $2, 2(%bp)                      # saved IP: step over the 2-byte DIV/IDIV/AAM
        movw    $1, V_FAULTED
        pop     %bp
        iret

        .section .text16.ops, "a"
ops:
        OP "add16",  K_PLAIN, 16, 0, USE_CL, add %bx, %ax
        OP "adc16",  K_PLAIN, 16, 0, USE_CL, adc %bx, %ax
        OP "sub16",  K_PLAIN, 16, 0, USE_CL, sub %bx, %ax
        OP "sbb16",  K_PLAIN, 16, 0, USE_CL, sbb %bx, %ax
        OP "cmp16",  K_PLAIN, 16, 0, USE_CL, cmp %bx, %ax
        OP "and16",  K_PLAIN, 16, FL_AF, USE_CL, and %bx, %ax
        OP "or16",   K_PLAIN, 16, FL_AF, USE_CL, or %bx, %ax
        OP "xor16",  K_PLAIN, 16, FL_AF, USE_CL, xor %bx, %ax
        OP "test16", K_PLAIN, 16, FL_AF, USE_CL, test %bx, %ax
        OP "inc16",  K_PLAIN, 16, 0, USE_CL, inc %ax
        OP "dec16",  K_PLAIN, 16, 0, USE_CL, dec %ax
        OP "neg16",  K_PLAIN, 16, 0, USE_CL, neg %ax
        OP "not16",  K_PLAIN, 16, 0, USE_CL, not %ax
        OP "shl16",  K_SHIFT, 16, 0, USE_CL, shl %cl, %ax
        OP "shr16",  K_SHIFT, 16, 0, USE_CL, shr %cl, %ax
        OP "sar16",  K_SAR, 16, 0, USE_CL, sar %cl, %ax
        OP "rol16",  K_ROTATE, 16, 0, USE_CL, rol %cl, %ax
        OP "ror16",  K_ROTATE, 16, 0, USE_CL, ror %cl, %ax
        OP "rcl16",  K_ROTATE, 16, 0, USE_CL, rcl %cl, %ax
        OP "rcr16",  K_ROTATE, 16, 0, USE_CL, rcr %cl, %ax
        OP "shl16/1", K_SHIFT, 16, 0, 1, shl $1, %ax
        OP "shr16/1", K_SHIFT, 16, 0, 1, shr $1, %ax
        OP "sar16/1", K_SAR, 16, 0, 1, sar $1, %ax
        OP "rcl16/1", K_ROTATE, 16, 0, 1, rcl $1, %ax
        OP "rcr16/1", K_ROTATE, 16, 0, 1, rcr $1, %ax
        OP "shl16/5", K_SHIFT, 16, 0, 5, shl $5, %ax
        OP "ror16/12", K_ROTATE, 16, 0, 12, ror $12, %ax
        OP "mul16",  K_PLAIN, 16, FL_MUL_UNDEF, USE_CL, mul %bx
        OP "imul16", K_PLAIN, 16, FL_MUL_UNDEF, USE_CL, imul %bx
        OP "imul16r", K_PLAIN, 16, FL_MUL_UNDEF, USE_CL, imul %bx, %ax
        OP "imul16i", K_PLAIN, 16, FL_MUL_UNDEF, USE_CL, imul $-3, %bx, %ax
        OP "div16",  K_PLAIN, 16, FL_ARITH, USE_CL, div %bx
        OP "idiv16", K_PLAIN, 16, FL_ARITH, USE_CL, idiv %bx
        OP "add8",   K_PLAIN, 8, 0, USE_CL, add %bl, %al
        OP "adc8",   K_PLAIN, 8, 0, USE_CL, adc %bl, %al
        OP "sub8",   K_PLAIN, 8, 0, USE_CL, sub %bl, %al
        OP "sbb8",   K_PLAIN, 8, 0, USE_CL, sbb %bl, %al
        OP "cmp8",   K_PLAIN, 8, 0, USE_CL, cmp %bl, %al
        OP "neg8",   K_PLAIN, 8, 0, USE_CL, neg %al
        OP "inc8",   K_PLAIN, 8, 0, USE_CL, inc %al
        OP "dec8",   K_PLAIN, 8, 0, USE_CL, dec %al
        OP "xor8h",  K_PLAIN, 8, FL_AF, USE_CL, xor %bh, %ah
        OP "shl8",   K_SHIFT, 8, 0, USE_CL, shl %cl, %al
        OP "shr8",   K_SHIFT, 8, 0, USE_CL, shr %cl, %al
        OP "sar8",   K_SAR, 8, 0, USE_CL, sar %cl, %al
        OP "rol8",   K_ROTATE, 8, 0, USE_CL, rol %cl, %al
        OP "ror8",   K_ROTATE, 8, 0, USE_CL, ror %cl, %al
        OP "rcl8",   K_ROTATE, 8, 0, USE_CL, rcl %cl, %al
        OP "rcr8",   K_ROTATE, 8, 0, USE_CL, rcr %cl, %al
        OP "mul8",   K_PLAIN, 8, FL_MUL_UNDEF, USE_CL, mul %bl
        OP "imul8",  K_PLAIN, 8, FL_MUL_UNDEF, USE_CL, imul %bl
        OP "div8",   K_PLAIN, 8, FL_ARITH, USE_CL, div %bl
        OP "idiv8",  K_PLAIN, 8, FL_ARITH, USE_CL, idiv %bl
        OP "daa",    K_PLAIN, 8, FL_OF, USE_CL, daa
        OP "das",    K_PLAIN, 8, FL_OF, USE_CL, das
        OP "aaa",    K_PLAIN, 8, FL_BCD_UNDEF, USE_CL, aaa
        OP "aas",    K_PLAIN, 8, FL_BCD_UNDEF, USE_CL, aas
        OP "aam",    K_PLAIN, 8, FL_OF | FL_AF | FL_CF, USE_CL, aam
        OP "aam7",   K_PLAIN, 8, FL_OF | FL_AF | FL_CF, USE_CL, aam $7
        OP "aam0",   K_PLAIN, 8, FL_OF | FL_AF | FL_CF, USE_CL, aam $0
        OP "aad",    K_PLAIN, 8, FL_OF | FL_AF | FL_CF, USE_CL, aad
        OP "cbw",    K_PLAIN, 16, 0, USE_CL, cbw
        OP "cwd",    K_PLAIN, 16, 0, USE_CL, cwd
        OP "lahf",   K_PLAIN, 16, 0, USE_CL, lahf
        OP "sahf",   K_PLAIN, 16, 0, USE_CL, sahf
        OP "cmc",    K_PLAIN, 16, 0, USE_CL, cmc
        OP "xchg8",  K_PLAIN, 16, 0, USE_CL, xchg %al, %bl
ops_end:

# Operand vectors: AX, BX (= CX, the count), DX.
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
