# Conformance guest alurand32: the alu32 operations on pseudo-random operands, hashed.
#
# 65536 cases: a xorshift32 generator picks the operation from the alu32 table (alu32ops.inc),
# EAX, EBX (often cut to 0-63 so shifts and bit tests see small counts), EDX and the input
# arithmetic flags. Each result (EAX, EDX, the SDM-defined flags, or the #DE) is folded into an
# FNV-1a-style hash, printed every 4096 cases, so a divergence is located to a block of 4096.
# To see every case of a block, assemble with --defsym VERBOSE=1 (prints the alu32 line format).
        .include "common.inc"
        .include "pm32.inc"
        .include "idt32.inc"
        .include "alu32ops.inc"

        .set CASES, 65536
        .set REPORT_EVERY, 4096
        .set RNG_SEED, 0x2545f491
        .set FNV_OFFSET, 0x811c9dc5
        .set FNV_PRIME, 16777619
        .set DE_TOKEN, 0xdede0000
        .set OP_COUNT_TOTAL, (ops_end - ops) / OP_SIZE

        .bss
rng:            .long 0
hash:           .long 0
case_index:     .long 0
rand_vector:    .long 0, 0, 0

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "alurand32: entering protected mode\n"
        jmp     enter_pm32

        .text
        .code32
main32:
        call    idt_init
        call    install_divide_error
        movl    $RNG_SEED, rng
        movl    $FNV_OFFSET, hash
        PUTS32  "alurand32: 65536 random cases, hash every 4096\n"
next_case:
        call    random
        xor     %edx, %edx
        mov     $OP_COUNT_TOTAL, %ecx
        div     %ecx
        imul    $OP_SIZE, %edx, %esi
        add     $ops, %esi
        call    random
        mov     %eax, rand_vector + 0
        call    random
        mov     %eax, rand_vector + 4
        call    random
        test    $3, %al
        jz      1f
        andl    $0x3f, rand_vector + 4          # mostly small counts and bit offsets
1:      call    random
        mov     %eax, rand_vector + 8
        call    random
        and     $FL_ARITH, %eax
        or      $0x2, %eax
        mov     %eax, v_flags_in
        mov     $rand_vector, %edi
        call    execute_case
.ifdef VERBOSE
        call    print_case
.endif
        cmpl    $0, v_faulted
        je      2f
        mov     $DE_TOKEN, %eax
        call    fold
        jmp     4f
2:      call    result_is_undefined
        jnz     3f
        mov     v_eax, %eax
        call    fold
3:      mov     v_edx, %eax
        call    fold
        call    defined_flags
        and     v_eflags, %eax
        call    fold
4:      incl    case_index
        mov     case_index, %eax
        test    $(REPORT_EVERY - 1), %eax
        jnz     5f
        PUTS32  "cases"
        PUTHEX32 case_index
        PUTS32  " hash"
        PUTHEX32 hash
        mov     $'\n', %al
        call    putc32
5:      cmpl    $CASES, case_index
        jb      next_case
        PUTS32  "alurand32 done\n"
        mov     $0, %al
        jmp     exit32

# random: EAX = the next xorshift32 value.
random:
        mov     rng, %eax
        push    %edx
        mov     %eax, %edx
        shl     $13, %edx
        xor     %edx, %eax
        mov     %eax, %edx
        shr     $17, %edx
        xor     %edx, %eax
        mov     %eax, %edx
        shl     $5, %edx
        xor     %edx, %eax
        pop     %edx
        mov     %eax, rng
        ret

# fold: hash = (hash ^ EAX) * FNV_PRIME.
fold:
        push    %edx
        xor     hash, %eax
        mov     $FNV_PRIME, %edx
        imul    %edx, %eax
        mov     %eax, hash
        pop     %edx
        ret

.ifdef VERBOSE
print_case:
        push    %esi
        mov     OP_NAME(%esi), %esi
        call    puts32
        pop     %esi
        PUTHEX32 0(%edi)
        PUTHEX32 4(%edi)
        PUTHEX32 8(%edi)
        PUTHEX32 v_flags_in
        PUTS32  " >"
        PUTHEX32 v_eax
        PUTHEX32 v_edx
        call    defined_flags
        and     v_eflags, %eax
        PUTHEX32 %eax
        PUTS32  " de="
        mov     v_faulted, %eax
        call    hex32_byte
        mov     $'\n', %al
        jmp     putc32
.endif
