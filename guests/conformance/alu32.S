# Conformance guest alu32: 32-bit protected-mode integer ALU results and flags.
#
# Enters flat 32-bit protected mode, then runs every operation of the table on every operand
# vector with EFLAGS in = 00000002 and 000008d7 and prints
#     <op> <eax in> <ebx in> <edx in> <flags in> > <eax out> <edx out> <flags out>
# ECX = EBX (count in CL). As in alu16, flags out are masked to what the SDM defines for the
# operation and count; BSF/BSR results are hidden when the source is 0 (undefined); a #DE
# prints "#DE". Covers the 386/486/Pentium additions: SHLD/SHRD, BT*, BSF/BSR, BSWAP, XADD,
# CMPXCHG, MOVZX/MOVSX, SETcc, CMOVcc, IMUL forms, CDQ.
        .include "common.inc"
        .include "pm32.inc"
        .include "idt32.inc"

        .set FL_CF, 0x001
        .set FL_PF, 0x004
        .set FL_AF, 0x010
        .set FL_ZF, 0x040
        .set FL_SF, 0x080
        .set FL_OF, 0x800
        .set FL_ARITH, FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF
        .set FL_MUL_UNDEF, FL_SF | FL_ZF | FL_AF | FL_PF
        .set FL_BT_UNDEF, FL_OF | FL_SF | FL_AF | FL_PF
        .set FL_BSF_UNDEF, FL_CF | FL_OF | FL_SF | FL_AF | FL_PF

        .set K_PLAIN, 0
        .set K_SHIFT, 1
        .set K_SAR, 2
        .set K_ROTATE, 3
        .set USE_CL, 0xff
        .set F_RESULT_UNDEF_IF_B0, 1    # BSF/BSR: destination undefined for a zero source

        .set OP_NAME, 0
        .set OP_ROUTINE, 4
        .set OP_KIND, 8
        .set OP_WIDTH, 9
        .set OP_COUNT, 10
        .set OP_FLAGS, 11
        .set OP_UNDEF, 12
        .set OP_SIZE, 16

# OPN "name", kind, width, undefined-flags, count, op-flags, "insn", ...
.macro OPN name, kind, width, undef, count, opflags, insns:vararg
        .pushsection .rodata.strings, "a"
.Lop_name\@: .asciz "\name"
        .popsection
        .pushsection .text.routines, "ax"
.Lop_code\@:
        .irp i, \insns
        \i
        .endr
        ret
        .popsection
        .long   .Lop_name\@, .Lop_code\@
        .byte   \kind, \width, \count, \opflags
        .word   \undef, 0
.endm
.macro OP name, kind, width, undef, count, insn:vararg
        OPN     "\name", \kind, \width, \undef, \count, 0, "\insn"
.endm

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "alu32: entering protected mode\n"
        jmp     enter_pm32

        .bss
v_flags_in: .long 0
v_faulted:  .long 0
v_eax:      .long 0
v_edx:      .long 0
v_eflags:   .long 0

        .text
        .code32
main32:
        call    idt_init
        mov     $0, %eax
        mov     $divide_error, %edx
        mov     $GATE_INT32, %ecx
        call    set_gate
        PUTS32  "alu32: op eax ebx edx fl > eax edx fl\n"
        mov     $ops, %esi
1:      mov     $vectors, %edi
2:      movl    $0x00000002, v_flags_in
        call    run_case
        movl    $0x00000002 | FL_ARITH, v_flags_in
        call    run_case
        add     $12, %edi
        cmp     $vectors_end, %edi
        jne     2b
        add     $OP_SIZE, %esi
        cmp     $ops_end, %esi
        jne     1b
        PUTS32  "alu32 done\n"
        mov     $0, %al
        jmp     exit32

run_case:
        push    %esi
        push    %edi
        movl    $0, v_faulted
        mov     OP_ROUTINE(%esi), %ebp
        mov     0(%edi), %eax
        mov     4(%edi), %ebx
        mov     8(%edi), %edx
        mov     %ebx, %ecx
        cmpb    $USE_CL, OP_COUNT(%esi)
        je      1f
        movb    OP_COUNT(%esi), %cl
1:      pushl   v_flags_in
        popf
        call    *%ebp
        pushf
        popl    v_eflags
        mov     %eax, v_eax
        mov     %edx, v_edx
        pop     %edi
        pop     %esi
        push    %esi
        mov     OP_NAME(%esi), %esi
        call    puts32
        pop     %esi
        PUTHEX32 0(%edi)
        PUTHEX32 4(%edi)
        PUTHEX32 8(%edi)
        PUTHEX32 v_flags_in
        PUTS32  " >"
        cmpl    $0, v_faulted
        je      2f
        PUTS32  " #DE\n"
        ret
2:      testb   $F_RESULT_UNDEF_IF_B0, OP_FLAGS(%esi)
        jz      3f
        cmpl    $0, 4(%edi)
        jne     3f
        PUTS32  " -------- --------"
        jmp     4f
3:      PUTHEX32 v_eax
        PUTHEX32 v_edx
4:      call    defined_flags
        and     v_eflags, %eax
        mov     %eax, v_eflags
        PUTHEX32 v_eflags
        mov     $'\n', %al
        jmp     putc32

# defined_flags: EAX = flags op ESI defines for the count in use (vector EDI).
defined_flags:
        push    %ecx
        push    %edx
        movzwl  OP_UNDEF(%esi), %edx
        not     %edx
        mov     $FL_ARITH, %eax
        and     %edx, %eax
        movb    OP_COUNT(%esi), %cl
        cmp     $USE_CL, %cl
        jne     1f
        movb    4(%edi), %cl
1:      and     $0x1f, %cl
        movb    OP_KIND(%esi), %ch
        cmp     $K_PLAIN, %ch
        je      9f
        test    %cl, %cl
        jz      9f
        cmp     $K_ROTATE, %ch
        je      2f
        and     $~FL_AF, %eax
        cmp     $K_SAR, %ch
        je      2f
        cmp     OP_WIDTH(%esi), %cl
        jb      2f
        and     $~FL_CF, %eax
2:      cmp     $1, %cl
        je      9f
        and     $~FL_OF, %eax
9:      pop     %edx
        pop     %ecx
        ret

divide_error:
        addl    $2, (%esp)                      # step over the 2-byte DIV/IDIV
        movl    $1, v_faulted
        iret

        .section .rodata.ops, "a"
        .balign 4
ops:
        OP "add",    K_PLAIN, 32, 0, USE_CL, add %ebx, %eax
        OP "adc",    K_PLAIN, 32, 0, USE_CL, adc %ebx, %eax
        OP "sub",    K_PLAIN, 32, 0, USE_CL, sub %ebx, %eax
        OP "sbb",    K_PLAIN, 32, 0, USE_CL, sbb %ebx, %eax
        OP "cmp",    K_PLAIN, 32, 0, USE_CL, cmp %ebx, %eax
        OP "and",    K_PLAIN, 32, FL_AF, USE_CL, and %ebx, %eax
        OP "or",     K_PLAIN, 32, FL_AF, USE_CL, or %ebx, %eax
        OP "xor",    K_PLAIN, 32, FL_AF, USE_CL, xor %ebx, %eax
        OP "test",   K_PLAIN, 32, FL_AF, USE_CL, test %ebx, %eax
        OP "inc",    K_PLAIN, 32, 0, USE_CL, inc %eax
        OP "dec",    K_PLAIN, 32, 0, USE_CL, dec %eax
        OP "neg",    K_PLAIN, 32, 0, USE_CL, neg %eax
        OP "add16",  K_PLAIN, 16, 0, USE_CL, add %bx, %ax
        OP "adc8i",  K_PLAIN, 8, 0, USE_CL, adc $0x81, %al
        OP "subsx",  K_PLAIN, 32, 0, USE_CL, sub $-2, %eax
        OP "shl",    K_SHIFT, 32, 0, USE_CL, shl %cl, %eax
        OP "shr",    K_SHIFT, 32, 0, USE_CL, shr %cl, %eax
        OP "sar",    K_SAR, 32, 0, USE_CL, sar %cl, %eax
        OP "rol",    K_ROTATE, 32, 0, USE_CL, rol %cl, %eax
        OP "ror",    K_ROTATE, 32, 0, USE_CL, ror %cl, %eax
        OP "rcl",    K_ROTATE, 32, 0, USE_CL, rcl %cl, %eax
        OP "rcr",    K_ROTATE, 32, 0, USE_CL, rcr %cl, %eax
        OP "sar/1",  K_SAR, 32, 0, 1, sar $1, %eax
        OP "rcl/1",  K_ROTATE, 32, 0, 1, rcl $1, %eax
        OP "shr/9",  K_SHIFT, 32, 0, 9, shr $9, %eax
        OP "shld",   K_SAR, 32, 0, USE_CL, shld %cl, %ebx, %eax
        OP "shrd",   K_SAR, 32, 0, USE_CL, shrd %cl, %ebx, %eax
        OP "shld/4", K_SAR, 32, 0, 4, shld $4, %edx, %eax
        OP "shrd/1", K_SAR, 32, 0, 1, shrd $1, %edx, %eax
        OP "mul",    K_PLAIN, 32, FL_MUL_UNDEF, USE_CL, mul %ebx
        OP "imul",   K_PLAIN, 32, FL_MUL_UNDEF, USE_CL, imul %ebx
        OP "imulr",  K_PLAIN, 32, FL_MUL_UNDEF, USE_CL, imul %ebx, %eax
        OP "imuli",  K_PLAIN, 32, FL_MUL_UNDEF, USE_CL, imul $0x10001, %ebx, %eax
        OP "div",    K_PLAIN, 32, FL_ARITH, USE_CL, div %ebx
        OP "idiv",   K_PLAIN, 32, FL_ARITH, USE_CL, idiv %ebx
        OP "bt",     K_PLAIN, 32, FL_BT_UNDEF, USE_CL, bt %ebx, %eax
        OP "bts",    K_PLAIN, 32, FL_BT_UNDEF, USE_CL, bts %ebx, %eax
        OP "btr",    K_PLAIN, 32, FL_BT_UNDEF, USE_CL, btr %ebx, %eax
        OP "btc",    K_PLAIN, 32, FL_BT_UNDEF, USE_CL, btc %ebx, %eax
        OP "btsi",   K_PLAIN, 32, FL_BT_UNDEF, USE_CL, bts $35, %eax
        OPN "bsf",   K_PLAIN, 32, FL_BSF_UNDEF, USE_CL, F_RESULT_UNDEF_IF_B0, "bsf %ebx, %eax"
        OPN "bsr",   K_PLAIN, 32, FL_BSF_UNDEF, USE_CL, F_RESULT_UNDEF_IF_B0, "bsr %ebx, %eax"
        OP "bswap",  K_PLAIN, 32, 0, USE_CL, bswap %eax
        OP "xadd",   K_PLAIN, 32, 0, USE_CL, xadd %edx, %eax
        OP "cmpxchg", K_PLAIN, 32, 0, USE_CL, cmpxchg %ebx, %edx
        OP "movzb",  K_PLAIN, 32, 0, USE_CL, movzbl %bl, %eax
        OP "movsw",  K_PLAIN, 32, 0, USE_CL, movswl %bx, %eax
        OP "movsbw", K_PLAIN, 16, 0, USE_CL, movsbw %bh, %ax
        OP "cdq",    K_PLAIN, 32, 0, USE_CL, cdq
        OP "cwde",   K_PLAIN, 32, 0, USE_CL, cwtl
        OPN "setcc", K_PLAIN, 32, 0, USE_CL, 0, "cmp %ebx, %eax", "setl %al", "setb %ah", "setg %dl", "seta %dh", "shl $16, %eax", "shl $16, %edx", "setle %al", "setbe %ah", "setp %dl", "seto %dh"
        OPN "setcc-in", K_PLAIN, 32, 0, USE_CL, 0, "sets %al", "setz %ah", "setnc %dl", "setnp %dh"
        OPN "cmov",  K_PLAIN, 32, 0, USE_CL, 0, "cmp %ebx, %eax", "cmovl %ebx, %eax", "cmovae %ebx, %edx"
ops_end:

        .section .rodata.vectors, "a"
        .balign 4
vectors:
        .long   0x00000000, 0x00000000, 0x00000000
        .long   0x00000001, 0x00000001, 0x00000000
        .long   0x7fffffff, 0x00000001, 0x00000000
        .long   0x80000000, 0xffffffff, 0x00000000
        .long   0xffffffff, 0x00000001, 0x00000001
        .long   0x80000000, 0x80000000, 0xffffffff
        .long   0x000000ff, 0x00000010, 0x00000000
        .long   0x12345678, 0x9abcdef0, 0x00000000
        .long   0xdeadbeef, 0x0000001f, 0x00000000
        .long   0x00000001, 0x00000020, 0x00000000
        .long   0xfedcba98, 0x00000021, 0x00000003
        .long   0xf0000000, 0x00000007, 0x00000007
        .long   0x00008000, 0xffff8000, 0x00000000
        .long   0x55555555, 0xaaaaaaab, 0x12345678
vectors_end:
