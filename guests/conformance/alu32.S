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
        .include "alu32ops.inc"

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "alu32: entering protected mode\n"
        jmp     enter_pm32

        .text
        .code32
main32:
        call    idt_init
        call    install_divide_error
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

# run_case: execute op ESI on vector EDI and print the line.
run_case:
        call    execute_case
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
2:      call    result_is_undefined
        jz      3f
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
