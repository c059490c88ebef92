# Conformance guest sys64: IA-32e system transfers on the software CPU, against QEMU TCG
# (-cpu qemu64,vendor=GenuineIntel: Intel's SYSENTER, valid in IA-32e mode; see sys64.qemuargs).
#
# From 32-bit protected mode into 64-bit mode as long64 does (the low 2 MiB a user page, the next
# 2 MiB a supervisor read-only page, nothing above), CR0.WP set. Then: the SYSENTER MSRs; SYSENTER
# from 64-bit ring 3 and SYSEXIT with REX.W back; SYSENTER from compatibility-mode ring 3 and the
# 32-bit SYSEXIT back; a 16-byte call gate called from compatibility mode and from 64-bit ring 3
# (the RSP0 stack, a null SS, the 8-byte frame) and RETFQ back to ring 3; at ring 0 far JMP and
# CALL through m16:64, a far JMP through m16:32 to compatibility-mode code, a direct far CALL from
# there to 64-bit code and a 32-bit far RET back; exceptions with their error codes and stacks:
# #GP for a gate whose upper half has a type and for a gate to compatibility code, #GP for an SS
# load, #NP for a not-present segment, #PF for the write/user/present combinations, and #UD and
# #GP taken from ring 3 (#UD on IST1). Left out where QEMU 7.2 TCG departs from the SDM (the unit
# tests cover them): a far JMP to an L = D = 1 code segment (QEMU jumps; #GP(selector)), the error
# code of an IDT vector in IA-32e mode (QEMU: vector * 16 + 2; the SDM: vector * 8 + 2, as here),
# #SS(0) for a non-canonical SS-relative address (QEMU: #GP(0)), and SYSCALL in compatibility mode
# (QEMU runs it; Intel: #UD).
        .include "common.inc"
        .include "pm32.inc"

        .set CR4_PAE, 0x20
        .set MSR_EFER, 0xc0000080
        .set MSR_SYSENTER_CS, 0x174
        .set MSR_SYSENTER_ESP, 0x175
        .set MSR_SYSENTER_EIP, 0x176
        .set EFER_LME, 0x100
        .set P_RW_US, 0x007
        .set P_ONLY, 0x001
        .set PS, 0x080
        .set K_CODE64, 0x08             # SYSENTER_CS: K_CODE64, K_DATA, U_CODE32, U_DATA, U_CODE64, U_DATA64
        .set K_DATA, 0x10
        .set U_CODE32, 0x18 | 3
        .set U_DATA, 0x20 | 3
        .set U_CODE64, 0x28 | 3
        .set U_DATA64, 0x30 | 3
        .set K_CODE32, 0x38             # compatibility-mode code, ring 0
        .set L_TSS, 0x40
        .set GATE, 0x50                 # 64-bit call gate, DPL 3 -> K_CODE64:gate_target
        .set GATE_BAD, 0x60             # the same with a type in the upper half
        .set NP_DATA, 0x70              # data, DPL 3, not present
        .set GATE_COMPAT, 0x80          # call gate to K_CODE32
        .set IST1_TOP, 0x50000
        .set SYSENTER_STACK, 0x58000
        .set USER_STACK_TOP, 0x60000
        .set RO_PAGE, 0x200000
        .set NO_PAGE, 0x400000

        .include "io64.inc"



        .bss
        .balign 4096
pml4:    .space 4096
pdpt:    .space 4096
pd:      .space 4096
idt64:   .space 16 * 0x81
tss64:   .space 104
resume:  .space 8
kernel_rsp: .space 8
next_stage: .space 8
sysexit_rip: .space 8
sysexit64: .space 8

        .data
        .balign 8
gdt64:  .quad 0
        .quad 0x00af9a000000ffff        # 0x08 ring-0 64-bit code
        .quad 0x00cf92000000ffff        # 0x10 ring-0 data
        .quad 0x00cffa000000ffff        # 0x18 ring-3 32-bit code
        .quad 0x00cff2000000ffff        # 0x20 ring-3 data
        .quad 0x00affa000000ffff        # 0x28 ring-3 64-bit code
        .quad 0x00cff2000000ffff        # 0x30 ring-3 data (SYSEXIT to 64-bit code)
        .quad 0x00cf9a000000ffff        # 0x38 ring-0 32-bit code
tss_desc: .quad 0, 0                    # 0x40 64-bit TSS, filled in below
gate_desc: .quad 0, 0                   # 0x50
gate_bad_desc: .quad 0, 0               # 0x60
        .quad 0x00cf72000000ffff        # 0x70 not present
        .quad 0                         # 0x78
gate_compat_desc: .quad 0, 0            # 0x80
gdt64_end:
gdt64_ptr: .word gdt64_end - gdt64 - 1
        .long gdt64, 0
idt64_ptr: .word 16 * 0x81 - 1
        .long idt64, 0
ptr_gate:   .long 0
        .word GATE | 3
ptr_bad:    .long 0
        .word GATE_BAD
ptr_compat_gate: .long 0
        .word GATE_COMPAT
ptr_jmp64:  .long far_jmp_target, 0
        .word K_CODE64
ptr_call64: .long far_call_target, 0
        .word K_CODE64
ptr_to_compat: .long compat0
        .word K_CODE32

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "sys64\n"
        jmp     enter_pm32

        .text
        .code32
main32:
        movl    $(pdpt + P_RW_US), pml4
        movl    $(pd + P_RW_US), pdpt
        movl    $(0 + PS + P_RW_US), pd
        movl    $(RO_PAGE + PS + P_ONLY), pd + 8
        # The TSS descriptor: base tss64, limit 103, type 9, present.
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
        # Call gates: type 0xC, present, DPL 3 (the compat one DPL 0).
        mov     $gate_target, %eax
        mov     $gate_desc, %edi
        mov     $(K_CODE64 << 16), %edx
        mov     $0xec00, %ecx
        call    make_gate
        movl    $0, 12(%edi)
        mov     $gate_bad_desc, %edi
        call    make_gate
        movl    $0x0100, 12(%edi)               # upper half type 1
        mov     $compat0, %eax
        mov     $gate_compat_desc, %edi
        mov     $(K_CODE32 << 16), %edx
        mov     $0x8c00, %ecx
        call    make_gate
        movl    $0, 12(%edi)

        ENTER_LONG_MODE K_CODE64, cr0=CR0_WP

# make_gate: 16-byte gate at EDI for offset EAX, EDX = selector << 16, ECX = the type/DPL/P bits.
make_gate:
        mov     %eax, %ebx
        and     $0xffff, %ebx
        or      %edx, %ebx
        mov     %ebx, (%edi)
        mov     %eax, %ebx
        and     $0xffff0000, %ebx
        or      %ecx, %ebx
        mov     %ebx, 4(%edi)
        movl    $0, 8(%edi)
        ret

        .code64
long_entry:
        mov     $K_DATA, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $RING0_STACK_TOP, %rsp
        call    idt_setup
        mov     $L_TSS, %ax
        ltr     %ax

        PUTS64  "sysenter msrs"
        mov     $MSR_SYSENTER_CS, %ecx
        mov     $K_CODE64, %eax
        xor     %edx, %edx
        wrmsr
        mov     $MSR_SYSENTER_ESP, %ecx
        mov     $SYSENTER_STACK, %eax
        wrmsr
        mov     $MSR_SYSENTER_EIP, %ecx
        mov     $sysenter_entry, %eax
        wrmsr
        mov     $MSR_SYSENTER_CS, %ecx
        rdmsr
        PUTHEX64 %rax
        mov     $MSR_SYSENTER_EIP, %ecx
        rdmsr
        PUTHEX64 %rax
        call    nl64

        PUTS64  "sysenter from 64-bit ring 3\n"
        lea     u64_after_sysexit(%rip), %rax
        mov     %rax, sysexit_rip(%rip)
        movq    $1, sysexit64(%rip)
        lea     stage2(%rip), %rax
        lea     u64_sysenter(%rip), %rbx
        mov     $U_CODE64, %ecx
        jmp     to_user
stage2:
        PUTS64  "sysenter from compatibility mode\n"
        lea     u32_after_sysexit(%rip), %rax
        mov     %rax, sysexit_rip(%rip)
        movq    $0, sysexit64(%rip)
        lea     stage3(%rip), %rax
        lea     u32_sysenter(%rip), %rbx
        mov     $U_CODE32, %ecx
        jmp     to_user
stage3:
        PUTS64  "call gate from compatibility mode\n"
        lea     stage4(%rip), %rax
        lea     u32_gate(%rip), %rbx
        mov     $U_CODE32, %ecx
        jmp     to_user
stage4:
        PUTS64  "call gate from 64-bit ring 3\n"
        lea     stage5(%rip), %rax
        lea     u64_gate(%rip), %rbx
        mov     $U_CODE64, %ecx
        jmp     to_user
stage5:
        PUTS64  "ring 3 faults\n"
        lea     stage6(%rip), %rax
        lea     u64_faults(%rip), %rbx
        mov     $U_CODE64, %ecx
        jmp     to_user

stage6:
        mov     $K_DATA, %ax                    # SS null from the interrupts from ring 3, DS/ES nulled by
        mov     %ax, %ss                        # IRETQ to ring 3: fine in 64-bit mode only (QEMU does not
        mov     %ax, %ds                        # check them in compatibility mode; the CPU raises #GP)
        mov     %ax, %es
        PUTS64  "far jmp m16:64"
        rex.W ljmp *ptr_jmp64(%rip)
        hlt
far_jmp_target:
        mov     %cs, %eax
        PUTHEX64 %rax
        call    nl64
        PUTS64  "far call m16:64"
        mov     %rsp, %rbx
        rex.W lcall *ptr_call64(%rip)
        sub     %rsp, %rbx
        PUTHEX64 %rbx
        call    nl64
        PUTS64  "far jmp m16:32 to compatibility mode:"
        ljmp    *ptr_to_compat(%rip)
back_from_compat:
        PUTS64  " back in 64-bit mode"
        mov     %cs, %eax
        PUTHEX64 %rax
        call    nl64

        PUTS64  "gate with an upper type:"
        lea     1f(%rip), %rax
        mov     %rax, resume(%rip)
        lcall   *ptr_bad(%rip)
1:      PUTS64  "gate to compatibility code:"
        lea     1f(%rip), %rax
        mov     %rax, resume(%rip)
        lcall   *ptr_compat_gate(%rip)
1:      PUTS64  "not-present ds:"
        lea     1f(%rip), %rax
        mov     %rax, resume(%rip)
        mov     $NP_DATA, %ax
        mov     %ax, %ds
1:      mov     $K_DATA, %ax
        mov     %ax, %ds
        PUTS64  "ring-3 ss at cpl 0:"
        lea     1f(%rip), %rax
        mov     %rax, resume(%rip)
        mov     $U_DATA, %ax
        mov     %ax, %ss
1:      PUTS64  "write to a read-only page:"
        lea     1f(%rip), %rax
        mov     %rax, resume(%rip)
        movl    $1, RO_PAGE + 0x10
1:      PUTS64  "read of a missing page:"
        lea     1f(%rip), %rax
        mov     %rax, resume(%rip)
        mov     NO_PAGE + 0x20, %eax
1:      PUTS64  "div by 0:"
        lea     1f(%rip), %rax
        mov     %rax, resume(%rip)
        xor     %ecx, %ecx
        div     %ecx
1:      PUTS64  "done\n"
        mov     $0, %al
        out     %al, $DEBUG_EXIT_PORT
        hlt

far_call_target:
        PUTS64  " frame cs"
        mov     8(%rsp), %rax
        PUTHEX64 %rax
        rex.W lret

# to_user: IRETQ to CS = ECX at RBX with RSP = USER_STACK_TOP and IF set; int80 continues at RAX.
to_user:
        mov     %rax, next_stage(%rip)
        mov     %rsp, kernel_rsp(%rip)
        xor     %esi, %esi
        xor     %edi, %edi
        xor     %ebp, %ebp
        pushq   $U_DATA
        pushq   $USER_STACK_TOP
        pushq   $0x202
        push    %rcx
        push    %rbx
        xor     %ebx, %ebx
        iretq

# sysenter_entry: prints what SYSENTER loaded, then SYSEXIT (REX.W if sysexit64) to sysexit_rip.
sysenter_entry:
        PUTS64  " sysenter: cs"
        mov     %cs, %eax
        PUTHEX64 %rax
        PUTS64  " ss"
        mov     %ss, %eax
        PUTHEX64 %rax
        PUTS64  " rsp"
        PUTHEX64 %rsp
        PUTS64  " rflags"
        pushfq
        pop     %rax
        PUTHEX64 %rax
        PUTS64  " ebx"
        mov     %ebx, %eax
        PUTHEX64 %rax
        call    nl64
        mov     sysexit_rip(%rip), %rdx
        mov     $USER_STACK_TOP - 0x100, %ecx
        cmpq    $0, sysexit64(%rip)
        je      1f
        .byte   0x48, 0x0f, 0x35                # SYSEXIT with REX.W: to 64-bit code
1:      sysexitl

# gate_target: the 64-bit call gate's code at CPL 0: prints the stack and frame, RETFQ back.
gate_target:
        PUTS64  " gate: rsp"
        PUTHEX64 %rsp
        PUTS64  " ss"
        mov     %ss, %eax
        PUTHEX64 %rax
        PUTS64  " cs"
        mov     8(%rsp), %rax
        PUTHEX64 %rax
        PUTS64  " user rsp"
        mov     16(%rsp), %rax
        PUTHEX64 %rax
        PUTS64  " user ss"
        mov     24(%rsp), %rax
        PUTHEX64 %rax
        call    nl64
        rex.W lret

# int80: a ring-3 stage reports ESI, EDI, EBP, EBX (low halves) and the frame's CS and SS; the kernel goes on at next_stage.
int80:
        PUTS64  " int 0x80:"
        mov     %esi, %eax
        PUTHEX64 %rax
        mov     %edi, %eax
        PUTHEX64 %rax
        mov     %ebp, %eax
        PUTHEX64 %rax
        mov     %ebx, %eax
        PUTHEX64 %rax
        PUTS64  " cs"
        mov     8(%rsp), %rax
        PUTHEX64 %rax
        PUTS64  " ss"
        mov     32(%rsp), %rax
        PUTHEX64 %rax
        call    nl64
        mov     kernel_rsp(%rip), %rsp
        jmp     *next_stage(%rip)

# Ring-3 code: 64-bit, then compatibility mode.
u64_sysenter:
        mov     $0x1111, %ebx
        sysenter
u64_after_sysexit:
        mov     %cs, %esi
        mov     %ss, %edi
        mov     %esp, %ebp
        int     $0x80
u64_gate:
        mov     %rsp, %rbx
        lcall   *ptr_gate(%rip)
        sub     %rsp, %rbx
        mov     %cs, %esi
        mov     %ss, %edi
        mov     %esp, %ebp
        int     $0x80
u64_faults:
        lea     1f(%rip), %rax
        mov     %rax, resume(%rip)
        mov     RO_PAGE + 0x30, %eax            # user read of a supervisor page
1:      lea     1f(%rip), %rax
        mov     %rax, resume(%rip)
        movl    $2, NO_PAGE + 0x40              # user write to a missing page
1:      lea     1f(%rip), %rax
        mov     %rax, resume(%rip)
        ud2                                     # #UD on IST1 from ring 3
1:      lea     1f(%rip), %rax
        mov     %rax, resume(%rip)
        hlt                                     # #GP(0)
1:      mov     %cs, %esi
        int     $0x80

        .code32
u32_sysenter:
        mov     $0x2222, %ebx
        sysenter
u32_after_sysexit:
        mov     %cs, %esi
        mov     %ss, %edi
        mov     %esp, %ebp
        int     $0x80
u32_gate:
        mov     %esp, %ebx
        lcall   $GATE | 3, $0
        sub     %esp, %ebx
        mov     %cs, %esi
        mov     %ss, %edi
        mov     %esp, %ebp
        int     $0x80

# compat0: compatibility mode at CPL 0, reached by a far JMP through m16:32.
compat0:
        mov     %cs, %eax
        PUTS32  " compat cs"
        PUTHEX32 %eax
        lcall   $K_CODE64, $far_from_compat
        PUTS32  " returned"
        ljmp    $K_CODE64, $back_from_compat
        .code64
far_from_compat:
        PUTS64  " 64-bit callee: ret cs"
        mov     4(%rsp), %eax
        and     $0xffff, %eax
        PUTHEX64 %rax
        lretl                                   # 32-bit operand size: 4-byte EIP and CS

# idt_setup: gates for #DE, #UD (IST1), #NP, #SS, #GP, #PF and INT 0x80 (DPL 3), then LIDT.
idt_setup:
        mov     $0, %ecx
        mov     $exc_de, %eax
        xor     %edx, %edx
        call    set_gate
        mov     $6, %ecx
        mov     $exc_ud, %eax
        mov     $1, %edx                        # IST1
        call    set_gate
        mov     $11, %ecx
        mov     $exc_np, %eax
        xor     %edx, %edx
        call    set_gate
        mov     $13, %ecx
        mov     $exc_gp, %eax
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

# set_gate: IDT entry ECX -> handler RAX, interrupt gate, selector K_CODE64; EDX: IST | DPL bits.
set_gate:
        shl     $4, %ecx
        lea     idt64(%rip), %rdi
        add     %rcx, %rdi
        mov     %ax, (%rdi)
        movw    $K_CODE64, 2(%rdi)
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
exc_np: pushq   $11
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
        PUTS64  " ss"
        mov     48(%rsp), %rax
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

# 64-bit output (io64.inc).
        IO64_ROUTINES
