# Conformance guest alurand16: the alu16 operations (8- and 16-bit ALU, shifts and rotates with
# CL counts, MUL/DIV, BCD) on pseudo-random operands in real mode, hashed.
#
# 65536 cases: a xorshift32 generator picks the operation from the alu16 table (alu16ops.inc),
# AX, BX (often cut to 0-63 so shift/rotate counts cover 0..width+1 and beyond), DX and the
# input arithmetic flags. Each result (AX, DX and the SDM-defined flags, or the #DE) is folded
# into an FNV-1a-style hash printed every 4096 cases. Assemble with --defsym VERBOSE=1 to print
# every case instead.
        .include "common.inc"
        .include "alu16ops.inc"

        .set CASES, 65536
        .set REPORT_EVERY, 4096
        .set RNG_SEED, 0x6b8b4567
        .set FNV_OFFSET, 0x811c9dc5
        .set FNV_PRIME, 16777619
        .set DE_TOKEN, 0xdede0000
        .set OP_COUNT_TOTAL, (ops_end - ops) / OP_SIZE

        # Scratch variables (DS = 0), after alu16ops.inc's.
        .set V_RNG, 0x520
        .set V_HASH, 0x524
        .set V_CASE, 0x528

        .section .text16, "ax"
        .code16
main16:
        call    install_divide_error
        movl    $RNG_SEED, V_RNG
        movl    $FNV_OFFSET, V_HASH
        movl    $0, V_CASE
        PUTS16  "alurand16: 65536 random cases, hash every 4096\n"
next_case:
        call    random
        xor     %edx, %edx
        mov     $OP_COUNT_TOTAL, %ecx
        div     %ecx
        imul    $OP_SIZE, %dx, %si
        add     $ops, %si
        call    random
        mov     %ax, V_VEC_A
        shr     $16, %eax
        mov     %ax, V_VEC_D
        call    random
        mov     %ax, V_VEC_B
        shr     $16, %eax
        test    $3, %al
        jz      1f
        andw    $0x3f, V_VEC_B                  # mostly small counts
1:      call    random
        and     $FL_ARITH, %ax
        or      $0x2, %ax
        mov     %ax, V_FLAGS_IN
        call    execute_case
.ifdef VERBOSE
        call    print_case
.endif
        cmpw    $0, V_FAULTED
        je      2f
        mov     $DE_TOKEN, %eax
        call    fold
        jmp     3f
2:      movzwl  V_AX, %eax
        call    fold
        movzwl  V_DX, %eax
        call    fold
        call    defined_flags
        and     V_FLAGS, %ax
        movzwl  %ax, %eax
        call    fold
3:      incl    V_CASE
        testl   $(REPORT_EVERY - 1), V_CASE
        jnz     4f
        PUTS16  "cases "
        mov     V_CASE, %eax
        call    hex16_dword
        PUTS16  " hash "
        mov     V_HASH, %eax
        call    hex16_dword
        mov     $'\n', %al
        call    putc16
4:      cmpl    $CASES, V_CASE
        jb      next_case
        PUTS16  "alurand16 done\n"
        mov     $0, %al
        jmp     exit16

# random: EAX = the next xorshift32 value.
random:
        push    %edx
        mov     V_RNG, %eax
        mov     %eax, %edx
        shl     $13, %edx
        xor     %edx, %eax
        mov     %eax, %edx
        shr     $17, %edx
        xor     %edx, %eax
        mov     %eax, %edx
        shl     $5, %edx
        xor     %edx, %eax
        mov     %eax, V_RNG
        pop     %edx
        ret

# fold: hash = (hash ^ EAX) * FNV_PRIME.
fold:
        push    %edx
        xor     V_HASH, %eax
        mov     $FNV_PRIME, %edx
        imul    %edx, %eax
        mov     %eax, V_HASH
        pop     %edx
        ret

.ifdef VERBOSE
print_case:
        push    %si
        mov     %cs:OP_NAME(%si), %si
        call    puts16
        pop     %si
        PUTS16  " "
        mov     V_VEC_A, %ax
        call    hex16_word
        PUTS16  " "
        mov     V_VEC_B, %ax
        call    hex16_word
        PUTS16  " "
        mov     V_VEC_D, %ax
        call    hex16_word
        PUTS16  " "
        mov     V_FLAGS_IN, %ax
        call    hex16_word
        PUTS16  " > "
        mov     V_AX, %ax
        call    hex16_word
        PUTS16  " "
        mov     V_DX, %ax
        call    hex16_word
        PUTS16  " "
        call    defined_flags
        and     V_FLAGS, %ax
        call    hex16_word
        PUTS16  " de="
        mov     V_FAULTED, %ax
        call    hex16_byte
        mov     $'\n', %al
        jmp     putc16
.endif
