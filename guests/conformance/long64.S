# Conformance guest long64: IA-32e mode (64-bit code) on the software CPU, against QEMU TCG.
#
# From 32-bit protected mode: 4-level page tables (the low 2 MiB identity-mapped by one 2 MiB
# page, user-accessible; 0xffff800000000000 -> physical 0x30000 by 4 KiB pages, the next page
# not present), CR4.PAE, EFER.LME/SCE, CR0.PG, a far jump to a 64-bit code segment. Then checks
# 64-bit arithmetic and flags, the zero-extension of 32-bit results, MUL/IMUL/DIV/IDIV of 64
# bits, shifts/rotates/SHLD/SHRD, MOVSXD/CDQE/CQO, REX byte registers, RIP-relative addressing,
# 64-bit PUSH/CALL/RET, string instructions with RSI/RDI/RCX, the high canonical mapping, #PF
# (CR2, error code), #GP for a non-canonical address, #DE, #UD on an IST stack, FS/GS bases and
# SWAPGS, a drop to ring 3 by IRETQ, SYSCALL/SYSRET, and INT 0x80 from ring 3 through the TSS's RSP0.
        .include "common.inc"
        .include "pm32.inc"

        .set CR4_PAE, 0x20
        .set MSR_EFER, 0xc0000080
        .set MSR_STAR, 0xc0000081
        .set MSR_LSTAR, 0xc0000082
        .set MSR_SFMASK, 0xc0000084
        .set MSR_FS_BASE, 0xc0000100
        .set MSR_GS_BASE, 0xc0000101
        .set MSR_KERNEL_GS_BASE, 0xc0000102
        .set EFER_SCE, 0x001
        .set EFER_LME, 0x100
        .set P_RW_US, 0x007
        .set PS, 0x080
        .set HIGH, 0xffff800000000000
        .set L_CODE64, 0x08
        .set L_DATA, 0x10
        .set L_USER_BASE, 0x18          # STAR[63:48]: user CS32 0x18, user DS 0x20, user CS64 0x28
        .set L_USER_DS, 0x20 | 3
        .set L_USER_CS64, 0x28 | 3
        .set L_TSS, 0x30
        .set IST1_TOP, 0x50000
        .set USER_STACK_TOP, 0x60000
        .set FLAGS_MASK, 0x8d5          # OF SF ZF AF PF CF
        .set SHIFT_MASK, 0x0c5          # SF ZF PF CF (OF and AF are undefined for most counts)

        .include "io64.inc"


        .bss
        .balign 4096
pml4:    .space 4096
pdpt_lo: .space 4096
pd_lo:   .space 4096
pdpt_hi: .space 4096
pd_hi:   .space 4096
pt_hi:   .space 4096
idt64:   .space 16 * 0x81
tss64:   .space 104
buffer:  .space 64
resume:  .space 8
kernel_rsp: .space 8

        .data
        .balign 8
gdt64:  .quad 0
        .quad 0x00af9a000000ffff        # 0x08 ring-0 64-bit code
        .quad 0x00cf92000000ffff        # 0x10 ring-0 data
        .quad 0x00cffa000000ffff        # 0x18 ring-3 32-bit code
        .quad 0x00cff2000000ffff        # 0x20 ring-3 data
        .quad 0x00affa000000ffff        # 0x28 ring-3 64-bit code
tss_desc: .quad 0, 0                    # 0x30 64-bit TSS, filled in below
gdt64_end:
gdt64_ptr: .word gdt64_end - gdt64 - 1
        .long gdt64, 0
idt64_ptr: .word 16 * 0x81 - 1
        .long idt64, 0
data_q: .quad 0x0123456789abcdef

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "long64\n"
        jmp     enter_pm32

        .text
        .code32
main32:
        # Page tables: PML4[0] -> PDPT -> PD[0] = 2 MiB page at 0; PML4[256] -> ... -> PT[0] = 0x30000.
        movl    $(pdpt_lo + P_RW_US), pml4
        movl    $(pd_lo + P_RW_US), pdpt_lo
        movl    $(0 + PS + P_RW_US), pd_lo
        movl    $(pdpt_hi + P_RW_US), pml4 + 256 * 8
        movl    $(pd_hi + P_RW_US), pdpt_hi
        movl    $(pt_hi + P_RW_US), pd_hi
        movl    $(0x30000 + P_RW_US), pt_hi
        # The TSS descriptor: base tss64, limit 103, type 9 (available 64-bit TSS), present.
        mov     $tss64, %eax
        mov     %eax, %ebx
        shl     $16, %ebx
        or      $103, %ebx
        mov     %ebx, tss_desc
        mov     %eax, %ebx
        shr     $16, %ebx
        and     $0xff, %ebx
        mov     %eax, %ecx
        and     $0xff000000, %ecx
        or      %ecx, %ebx
        or      $0x8900, %ebx
        mov     %ebx, tss_desc + 4
        movl    $RING0_STACK_TOP - 0x1000, tss64 + 4    # RSP0
        movl    $IST1_TOP, tss64 + 0x24                 # IST1

        ENTER_LONG_MODE L_CODE64, efer=EFER_SCE

        .code64
long_entry:
        mov     $L_DATA, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $RING0_STACK_TOP, %rsp
        PUTS64  "64-bit: efer"
        mov     $MSR_EFER, %ecx
        rdmsr
        PUTHEX64 %rax
        call    nl64
        call    idt_setup
        mov     $L_TSS, %ax
        ltr     %ax

        PUTS64  "add"
        mov     $0x7fffffffffffffff, %rax
        add     $1, %rax
        call    show_rax_flags
        PUTS64  "add32 zero-extends"
        mov     $0xffffffffffffffff, %rax
        add     $1, %eax
        call    show_rax_flags
        PUTS64  "mov32/mov16"
        mov     $-1, %rax
        mov     $1, %eax
        PUTHEX64 %rax
        mov     $-1, %rax
        mov     $1, %ax
        PUTHEX64 %rax
        call    nl64
        PUTS64  "adc/sbb"
        stc
        mov     $-1, %rcx
        adc     $0, %rcx
        pushfq
        sbb     $5, %rcx
        PUTHEX64 %rcx
        pop     %rax
        and     $FLAGS_MASK, %rax
        PUTHEX64 %rax
        call    nl64
        PUTS64  "neg/not/inc/dec"
        mov     $0x8000000000000000, %rax
        neg     %rax
        call    show_rax_flags
        not     %rax
        inc     %rax
        dec     %rax
        dec     %rax
        call    show_rax_flags

        PUTS64  "mul"
        mov     $0x123456789abcdef0, %rax
        mov     $0x100000001000, %rcx
        mul     %rcx
        PUTHEX64 %rdx
        call    show_rax_flags
        PUTS64  "imul1"
        mov     $-5, %rax
        mov     $0x7000000000000003, %rcx
        imul    %rcx
        PUTHEX64 %rdx
        call    show_rax_flags
        PUTS64  "imul3"
        mov     $0x4000000000000001, %rbx
        imul    $-7, %rbx, %rax
        call    show_rax_flags
        PUTS64  "div"
        mov     $0x10, %rdx
        mov     $0x123, %rax
        mov     $0x1000, %rcx
        div     %rcx
        PUTHEX64 %rdx
        PUTHEX64 %rax
        call    nl64
        PUTS64  "idiv"
        mov     $-1, %rdx
        mov     $-1000000000001, %rax
        mov     $7, %rcx
        idiv    %rcx
        PUTHEX64 %rdx
        PUTHEX64 %rax
        call    nl64
        PUTS64  "div by 0:"
        lea     1f(%rip), %rax
        mov     %rax, resume(%rip)
        xor     %rcx, %rcx
        div     %rcx
1:
        PUTS64  "shifts"
        mov     $0x8000000000000001, %rax
        shl     $1, %rax
        call    show_rax_flags
        mov     $0xf000000000000001, %rax
        shr     $63, %rax
        call    show_rax_shift
        mov     $0x8000000000000010, %rax
        sar     $4, %rax
        call    show_rax_shift
        mov     $0x0123456789abcdef, %rax
        rol     $8, %rax
        call    show_rax_shift
        ror     $12, %rax
        call    show_rax_shift
        stc
        rcl     $1, %rax
        call    show_rax_flags
        stc
        rcr     $3, %rax
        call    show_rax_shift
        mov     $0xfedcba9876543210, %rbx
        shld    $5, %rbx, %rax
        call    show_rax_shift
        mov     $36, %cl
        shrd    %cl, %rbx, %rax
        call    show_rax_shift
        mov     $65, %cl                        # masked to 1
        shl     %cl, %rax
        call    show_rax_flags

        PUTS64  "movsxd/cdqe/cqo/movzx"
        mov     $0x80000000, %ecx
        movslq  %ecx, %rax
        PUTHEX64 %rax
        mov     $0xffffffff7fffffff, %rax
        cltq
        PUTHEX64 %rax
        mov     $0x8000000000000000, %rax
        cqto
        PUTHEX64 %rdx
        mov     $-1, %rax
        movzbl  %cl, %eax
        PUTHEX64 %rax
        call    nl64
        PUTS64  "rex bytes"
        mov     $-1, %rsi
        mov     $0x12, %sil
        mov     $-1, %r9
        mov     $0x34, %r9b
        mov     $0x0102030405060708, %r10
        stc
        setc    %r10b
        PUTHEX64 %rsi
        PUTHEX64 %r9
        PUTHEX64 %r10
        call    nl64
        PUTS64  "r8-r15/bswap/xchg/cmpxchg/xadd"
        mov     $0x1111111122222222, %r8
        mov     $0x3333333344444444, %r15
        xchg    %r8, %r15
        bswap   %r8
        PUTHEX64 %r8
        mov     %r15, %rax
        mov     $0x55, %r12
        cmpxchg %r12, %r15
        PUTHEX64 %r15
        mov     $3, %r13
        xadd    %r13, %r12
        PUTHEX64 %r12
        PUTHEX64 %r13
        call    nl64
        PUTS64  "bt/bsf/bsr/lea"
        mov     $0x0000010000000000, %rax
        bt      $40, %rax
        setc    %bl
        bsf     %rax, %rcx
        bsr     %rax, %rdx
        movzbl  %bl, %ebx
        PUTHEX64 %rbx
        PUTHEX64 %rcx
        PUTHEX64 %rdx
        mov     $0x100000000, %r12
        mov     $3, %r13
        lea     0x10(%r12, %r13, 8), %rax
        PUTHEX64 %rax
        call    nl64

        PUTS64  "rip-relative"
        lea     data_q(%rip), %rax
        mov     $data_q, %ebx
        sub     %rbx, %rax
        PUTHEX64 %rax
        mov     data_q(%rip), %rax
        PUTHEX64 %rax
        call    nl64
        PUTS64  "stack"
        mov     %rsp, %rbx
        call    1f
1:      sub     %rsp, %rbx
        pop     %rax
        PUTHEX64 %rbx
        pushq   $-2
        pop     %rax
        PUTHEX64 %rax
        pushfq
        pop     %rax
        and     $0xfff, %rax
        PUTHEX64 %rax
        call    nl64

        PUTS64  "strings"
        cld
        mov     $buffer, %edi
        mov     $0xaaaabbbbccccdddd, %rax
        mov     $4, %rcx
        rep stosq
        mov     $buffer, %esi
        lea     32(%rsi), %rdi
        mov     $4, %rcx
        rep movsq
        PUTHEX64 %rdi
        mov     $buffer, %esi
        lea     32(%rsi), %rdi
        mov     $4, %rcx
        repe cmpsq
        PUTHEX64 %rcx
        mov     $buffer, %edi
        mov     $4, %rcx
        repne scasq
        PUTHEX64 %rcx
        mov     $buffer + 8, %esi
        lodsq
        PUTHEX64 %rax
        call    nl64

        PUTS64  "high mapping"
        mov     $HIGH, %rbx
        movq    $0x1122334455667788, %rax
        mov     %rax, (%rbx)
        PUTHEX64 0x30000
        mov     pt_hi(%rip), %rax
        and     $0x60, %rax                     # accessed, dirty
        PUTHEX64 %rax
        call    nl64
        PUTS64  "unmapped:"
        lea     1f(%rip), %rax
        mov     %rax, resume(%rip)
        mov     $HIGH + 0x1008, %rbx
        mov     (%rbx), %rax
1:      PUTS64  "non-canonical:"
        lea     1f(%rip), %rax
        mov     %rax, resume(%rip)
        mov     $0x0000800000000000, %rbx
        mov     (%rbx), %rax
1:      PUTS64  "ud2 on ist1:"
        lea     1f(%rip), %rax
        mov     %rax, resume(%rip)
        ud2
1:
        PUTS64  "fs/gs"
        mov     $MSR_FS_BASE, %ecx
        mov     $0x30000, %eax
        xor     %edx, %edx
        wrmsr
        mov     %fs:0, %rax
        PUTHEX64 %rax
        mov     $MSR_KERNEL_GS_BASE, %ecx
        mov     $0x30000, %eax
        wrmsr
        swapgs
        mov     %gs:4, %eax
        PUTHEX64 %rax
        mov     $MSR_KERNEL_GS_BASE, %ecx
        rdmsr
        PUTHEX64 %rax
        call    nl64

        # Ring 3: STAR, LSTAR, SFMASK; IRETQ to user code, which makes a SYSCALL and then INT 0x80.
        mov     $MSR_STAR, %ecx
        xor     %eax, %eax
        mov     $(L_USER_BASE << 16) | L_CODE64, %edx
        wrmsr
        mov     $MSR_LSTAR, %ecx
        mov     $syscall_entry, %eax
        xor     %edx, %edx
        wrmsr
        mov     $MSR_SFMASK, %ecx
        mov     $0x4700, %eax
        wrmsr
        mov     %rsp, kernel_rsp(%rip)
        PUTS64  "to ring 3\n"
        pushq   $L_USER_DS
        pushq   $USER_STACK_TOP
        pushq   $0x002
        pushq   $L_USER_CS64
        lea     user_code(%rip), %rax
        push    %rax
        iretq

user_code:
        mov     $42, %rax
        std
        syscall
        cld
        mov     %rax, %rbx
        int     $0x80
        hlt                                     # not reached

syscall_entry:
        mov     %rcx, %r14
        mov     %r11, %r15
        PUTS64  "syscall: rax"
        PUTHEX64 %rax
        PUTS64  " rcx-user"
        mov     %r14, %rax
        lea     user_code(%rip), %rcx
        sub     %rcx, %rax
        PUTHEX64 %rax
        PUTS64  " r11"
        PUTHEX64 %r15
        pushfq
        pop     %rax
        PUTHEX64 %rax
        mov     %cs, %eax
        PUTHEX64 %rax
        mov     %ss, %eax
        PUTHEX64 %rax
        call    nl64
        mov     %r14, %rcx
        mov     %r15, %r11
        mov     $7, %rax
        sysretq

int80:
        PUTS64  "int 0x80: rbx"
        PUTHEX64 %rbx
        PUTS64  " frame"
        mov     (%rsp), %rax
        lea     user_code(%rip), %rcx
        sub     %rcx, %rax
        PUTHEX64 %rax
        mov     8(%rsp), %rax
        PUTHEX64 %rax
        mov     24(%rsp), %rax
        PUTHEX64 %rax
        mov     32(%rsp), %rax
        PUTHEX64 %rax
        mov     %rsp, %rax
        PUTHEX64 %rax
        call    nl64
        mov     kernel_rsp(%rip), %rsp
        PUTS64  "done\n"
        mov     $0, %al
        out     %al, $DEBUG_EXIT_PORT
        hlt

# idt_setup: gates for #DE, #UD (IST1), #GP, #PF and INT 0x80 (DPL 3), then LIDT.
idt_setup:
        mov     $0, %ecx
        mov     $exc_de, %eax
        xor     %edx, %edx
        call    set_gate
        mov     $6, %ecx
        mov     $exc_ud, %eax
        mov     $1, %edx                        # IST1
        call    set_gate
        mov     $13, %ecx
        mov     $exc_gp, %eax
        xor     %edx, %edx
        call    set_gate
        mov     $14, %ecx
        mov     $exc_pf, %eax
        call    set_gate
        mov     $0x80, %ecx
        mov     $int80, %eax
        mov     $0x6000, %edx                   # DPL 3
        call    set_gate
        lidt    idt64_ptr(%rip)
        ret

# set_gate: IDT entry ECX -> handler RAX, interrupt gate, selector L_CODE64; EDX: IST | DPL bits.
set_gate:
        shl     $4, %ecx
        lea     idt64(%rip), %rdi
        add     %rcx, %rdi
        mov     %ax, (%rdi)
        movw    $L_CODE64, 2(%rdi)
        mov     %dx, %bx
        or      $0x8e00, %bx
        mov     %bx, 4(%rdi)
        shr     $16, %rax
        mov     %ax, 6(%rdi)
        shr     $16, %rax
        mov     %eax, 8(%rdi)
        movl    $0, 12(%rdi)
        ret

exc_de: pushq   $0
        pushq   $0
        jmp     exc_common
exc_ud: pushq   $0
        pushq   $6
        jmp     exc_common
exc_gp: pushq   $13
        jmp     exc_common
exc_pf: pushq   $14
        jmp     exc_common

# exc_common: [rsp] vector, error code, RIP, CS, RFLAGS, RSP, SS. Prints them, resumes at `resume`.
exc_common:
        PUTS64  " vector"
        mov     (%rsp), %rax
        PUTHEX64 %rax
        PUTS64  " error"
        mov     8(%rsp), %rax
        PUTHEX64 %rax
        PUTS64  " cs"
        mov     24(%rsp), %rax
        PUTHEX64 %rax
        PUTS64  " rsp"
        mov     %rsp, %rax
        PUTHEX64 %rax
        cmpq    $14, (%rsp)
        jne     1f
        PUTS64  " cr2"
        mov     %cr2, %rax
        PUTHEX64 %rax
1:      call    nl64
        mov     resume(%rip), %rax
        mov     %rax, 16(%rsp)
        add     $16, %rsp
        iretq

# show_rax_flags / show_rax_shift: RAX and the flags (all six / without OF and AF), a newline.
show_rax_flags:
        pushfq
        PUTHEX64 %rax
        pop     %rax
        and     $FLAGS_MASK, %rax
        PUTHEX64 %rax
        jmp     nl64
show_rax_shift:
        pushfq
        PUTHEX64 %rax
        pop     %rax
        and     $SHIFT_MASK, %rax
        PUTHEX64 %rax
        jmp     nl64

# 64-bit output (io64.inc).
        IO64_ROUTINES
