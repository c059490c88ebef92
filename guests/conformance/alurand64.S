# Conformance guest alurand64: the integer set of 64-bit mode on pseudo-random operands, hashed.
#
# Enters 64-bit mode as sse64 does (the low 2 MiB identity-mapped). Then 65536 cases: a xorshift64
# generator picks an operation from alu64ops.inc (REX.W ALU, shift, multiply/divide, bit and
# exchange forms; 32-bit forms whose results must zero-extend; REX byte registers, R8-R15,
# RIP-relative and memory forms, 32-bit address size) and RAX, RBX (often cut to 0-63 so shifts
# and bit tests see small counts), RDX (often small, so DIV does not always fault) and the input
# arithmetic flags. Each result (RAX, RDX, the SDM-defined flags, or the #DE) is folded into a
# 64-bit FNV-1a-style hash, printed every 4096 cases, so a divergence is located to a block of
# 4096. To see every case of a block, assemble with --defsym VERBOSE=1.
        .include "common.inc"
        .include "pm32.inc"

        .set CR4_PAE, 0x20
        .set MSR_EFER, 0xc0000080
        .set EFER_LME, 0x100
        .set P_RW, 0x003
        .set PS, 0x080
        .set L_CODE64, 0x08
        .set L_DATA, 0x10
        .set CASES, 65536
        .set REPORT_EVERY, 4096
        .set DE_TOKEN, 0xdede0000dede0000

        .include "io64.inc"
        .include "alu64ops.inc"

        .bss
        .balign 4096
pml4:    .space 4096
pdpt:    .space 4096
pd:      .space 4096
idt64:   .space 16
rng:            .quad 0
hash:           .quad 0
case_index:     .quad 0
rand_vector:    .quad 0, 0, 0

        .data
        .balign 8
gdt64:  .quad 0
        .quad 0x00af9a000000ffff        # 0x08 64-bit code
        .quad 0x00cf92000000ffff        # 0x10 data
gdt64_end:
gdt64_ptr: .word gdt64_end - gdt64 - 1
        .long gdt64, 0
idt64_ptr: .word 16 - 1                 # vector 0 (#DE) only
        .long idt64, 0

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "alurand64: entering long mode\n"
        jmp     enter_pm32

        .text
        .code32
main32:
        movl    $(pdpt + P_RW), pml4
        movl    $(pd + P_RW), pdpt
        movl    $(0 + PS + P_RW), pd
        ENTER_LONG_MODE L_CODE64

        .code64
long_entry:
        mov     $L_DATA, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $RING0_STACK_TOP, %rsp
        call    install_divide_error
        movabs  $0x2545f4914f6cdd1d, %rax
        mov     %rax, rng(%rip)
        movabs  $0xcbf29ce484222325, %rax
        mov     %rax, hash(%rip)
        PUTS64  "alurand64: 65536 random cases, hash every 4096\n"
next_case:
        call    random
        xor     %edx, %edx
        mov     $OP_COUNT_TOTAL, %ecx
        div     %rcx
        imul    $OP_SIZE, %edx, %esi
        add     $ops, %esi
        call    random
        mov     %rax, rand_vector + 0(%rip)
        call    random
        mov     %rax, rand_vector + 8(%rip)
        call    random
        test    $3, %al
        jz      1f
        andq    $0x3f, rand_vector + 8(%rip)          # mostly small counts and bit offsets
1:      call    random
        mov     %rax, rand_vector + 16(%rip)
        call    random
        test    $3, %al
        jnz     2f
        andq    $0xff, rand_vector + 16(%rip)         # a quarter of the cases: a small RDX (DIV may not fault)
2:      shr     $8, %rax
        and     $FL_ARITH, %eax
        or      $0x2, %eax
        mov     %rax, v_flags_in(%rip)
        mov     $rand_vector, %edi
        call    execute_case
.ifdef VERBOSE
        call    print_case
.endif
        cmpq    $0, v_faulted(%rip)
        je      3f
        movabs  $DE_TOKEN, %rax
        call    fold
        jmp     5f
3:      call    result_is_undefined
        jnz     4f
        mov     v_rax(%rip), %rax
        call    fold
4:      mov     v_rdx(%rip), %rax
        call    fold
        call    defined_flags
        and     v_rflags(%rip), %rax
        call    fold
5:      incq    case_index(%rip)
        mov     case_index(%rip), %rax
        test    $(REPORT_EVERY - 1), %eax
        jnz     6f
        PUTS64  "cases"
        PUTHEX64 case_index(%rip)
        PUTS64  " hash"
        PUTHEX64 hash(%rip)
        call    nl64
6:      cmpq    $CASES, case_index(%rip)
        jb      next_case
        PUTS64  "alurand64 done\n"
        mov     $0, %al
        out     %al, $DEBUG_EXIT_PORT
        hlt

# random: RAX = the next xorshift64 value.
random:
        push    %rdx
        mov     rng(%rip), %rax
        mov     %rax, %rdx
        shl     $13, %rdx
        xor     %rdx, %rax
        mov     %rax, %rdx
        shr     $7, %rdx
        xor     %rdx, %rax
        mov     %rax, %rdx
        shl     $17, %rdx
        xor     %rdx, %rax
        mov     %rax, rng(%rip)
        pop     %rdx
        ret

# fold: hash = (hash ^ RAX) * the 64-bit FNV prime.
fold:
        push    %rdx
        xor     hash(%rip), %rax
        movabs  $0x100000001b3, %rdx
        imul    %rdx, %rax
        mov     %rax, hash(%rip)
        pop     %rdx
        ret

.ifdef VERBOSE
print_case:
        push    %rsi
        mov     OP_NAME(%rsi), %esi
        call    puts64
        pop     %rsi
        PUTHEX64 0(%rdi)
        PUTHEX64 8(%rdi)
        PUTHEX64 16(%rdi)
        PUTHEX64 v_flags_in(%rip)
        PUTS64  " >"
        PUTHEX64 v_rax(%rip)
        PUTHEX64 v_rdx(%rip)
        call    defined_flags
        and     v_rflags(%rip), %rax
        PUTHEX64 %rax
        PUTS64  " de="
        PUTHEX64 v_faulted(%rip)
        jmp     nl64
.endif

# 64-bit output (io64.inc).
        IO64_ROUTINES
