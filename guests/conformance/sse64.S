# Conformance guest sse64: SSE and SSE2 in 64-bit mode on the software CPU, against QEMU TCG.
#
# Enters 64-bit mode as long64 does (the low 2 MiB identity-mapped), sets CR4.OSFXSR/OSXMMEXCPT,
# then checks what only 64-bit mode has: XMM8-15 (REX.R/REX.B) in moves, logic, integer and
# floating-point arithmetic and shuffles; the REX.W general-register forms (MOVQ xmm <-> r64,
# CVTSI2SD/CVTSI2SS from r64 and m64 in each rounding mode, CVT(T)SD2SI/CVT(T)SS2SI to r64 with
# out-of-range and NaN inputs, MOVMSKPD/PMOVMSKB/PEXTRW to r64, PINSRW from r64, MOVNTI m64);
# MOVD to r32 zero-extending; RIP-relative XMM operands; MXCSR's flags after each group; and
# FXSAVE64's image of MXCSR and XMM8-15.
        .include "common.inc"
        .include "pm32.inc"

        .set CR4_PAE, 0x20
        .set CR4_OSFXSR, 0x200
        .set CR4_OSXMMEXCPT, 0x400
        .set CR0_EM, 0x4
        .set CR0_MP, 0x2
        .set MSR_EFER, 0xc0000080
        .set EFER_LME, 0x100
        .set P_RW, 0x003
        .set PS, 0x080
        .set L_CODE64, 0x08
        .set L_DATA, 0x10
        .set MX_N, 0x1f80                       # all masked, round to nearest
        .set MX_D, 0x3f80                       # round down
        .set MX_U, 0x5f80                       # round up
        .set MX_Z, 0x7f80                       # toward zero

        .include "io64.inc"



# PXMM reg: both quadwords of an XMM register (low first), through XMM0.
.macro PXMM reg
        movdqa  \reg, %xmm0
        movq    %xmm0, %rax
        PUTHEX64 %rax
        psrldq  $8, %xmm0
        movq    %xmm0, %rax
        PUTHEX64 %rax
.endm

# MXCSR value: load MXCSR from an immediate (through the stack).
.macro MXCSR value
        pushq   $\value
        ldmxcsr (%rsp)
        add     $8, %rsp
.endm

# SHOWMX: MXCSR's flags (bits 5:0) and a newline.
.macro SHOWMX
        sub     $8, %rsp
        stmxcsr (%rsp)
        mov     (%rsp), %eax
        add     $8, %rsp
        and     $0x3f, %eax
        PUTHEX64 %rax
        call    nl64
.endm

        .bss
        .balign 4096
pml4:    .space 4096
pdpt:    .space 4096
pd:      .space 4096
        .balign 16
fxarea:  .space 512
scratch: .space 16

        .data
        .balign 16
gdt64:  .quad 0
        .quad 0x00af9a000000ffff        # 0x08 64-bit code
        .quad 0x00cf92000000ffff        # 0x10 data
gdt64_end:
gdt64_ptr: .word gdt64_end - gdt64 - 1
        .long gdt64, 0
        .balign 16
c_pd:   .quad 0x3ff8000000000000, 0xc004000000000000   # 1.5, -2.5
c_pd2:  .quad 0x4010000000000000, 0x7ff8000000000000   # 4.0, QNaN
c_int:  .quad 0x0001000200030004, 0x8000000080000000
c_int2: .quad 0x7fff7fff7fff7fff, 0x0000ffff0000ffff
m64_big: .quad 0x0020000000000001                     # 2^53 + 1

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "sse64\n"
        jmp     enter_pm32

        .text
        .code32
main32:
        movl    $(pdpt + P_RW), pml4
        movl    $(pd + P_RW), pdpt
        movl    $(0 + PS + P_RW), pd
        ENTER_LONG_MODE L_CODE64, cr4=(CR4_OSFXSR | CR4_OSXMMEXCPT), cr0=CR0_MP, cr0_clear=CR0_EM

        .code64
long_entry:
        mov     $L_DATA, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $RING0_STACK_TOP, %rsp

        PUTS64  "movq r64 <-> xmm8-15"
        mov     $0x123456789abcdef0, %rax
        movq    %rax, %xmm8
        mov     $-2, %r9
        movq    %r9, %xmm15
        movq    %xmm8, %rbx
        PUTHEX64 %rbx
        movq    %xmm15, %r12
        PUTHEX64 %r12
        mov     $-1, %r10
        movd    %xmm8, %r10d                    # MOVD to r32 zero-extends
        PUTHEX64 %r10
        call    nl64
        PUTS64  "high registers"
        movapd  c_pd(%rip), %xmm9               # RIP-relative
        movdqa  c_int(%rip), %xmm10
        movdqu  c_int2(%rip), %xmm11
        punpcklqdq %xmm15, %xmm8
        PXMM    %xmm8
        movdqa  %xmm10, %xmm12
        paddq   %xmm11, %xmm12
        PXMM    %xmm12
        movdqa  %xmm10, %xmm13
        psubusw %xmm11, %xmm13
        PXMM    %xmm13
        call    nl64
        movdqa  %xmm11, %xmm14
        packssdw %xmm10, %xmm14
        PXMM    %xmm14
        pshufd  $0x1b, %xmm10, %xmm15
        PXMM    %xmm15
        movdqa  %xmm10, %xmm13
        pcmpeqd %xmm11, %xmm13
        pxor    %xmm8, %xmm13
        PXMM    %xmm13
        call    nl64
        movdqa  %xmm10, %xmm14
        psllq   $12, %xmm14
        psrad   $3, %xmm14
        PXMM    %xmm14
        movdqa  %xmm11, %xmm12
        pmaddwd %xmm10, %xmm12
        PXMM    %xmm12
        call    nl64
        PUTS64  "pd arithmetic"
        MXCSR   MX_N
        movapd  c_pd2(%rip), %xmm12
        movapd  %xmm9, %xmm13
        addpd   %xmm12, %xmm13
        PXMM    %xmm13
        movapd  %xmm9, %xmm14
        mulpd   %xmm9, %xmm14
        PXMM    %xmm14
        sqrtsd  %xmm12, %xmm15
        PXMM    %xmm15
        SHOWMX
        movapd  %xmm9, %xmm13
        divpd   %xmm12, %xmm13
        PXMM    %xmm13
        movapd  %xmm9, %xmm11
        maxpd   %xmm12, %xmm11
        PXMM    %xmm11
        shufpd  $1, %xmm12, %xmm9
        PXMM    %xmm9
        cvtpd2ps %xmm9, %xmm10
        PXMM    %xmm10
        SHOWMX

        PUTS64  "cvtsi2sd r64 n/d/u/z"
        mov     $0x7fffffffffffffff, %r8
        MXCSR   MX_N
        cvtsi2sdq %r8, %xmm8
        movq    %xmm8, %rax
        PUTHEX64 %rax
        MXCSR   MX_D
        cvtsi2sdq %r8, %xmm8
        movq    %xmm8, %rax
        PUTHEX64 %rax
        MXCSR   MX_U
        cvtsi2sdq m64_big(%rip), %xmm9
        movq    %xmm9, %rax
        PUTHEX64 %rax
        MXCSR   MX_Z
        mov     $-0x20000000000003, %r14
        cvtsi2sdq %r14, %xmm14
        movq    %xmm14, %rax
        PUTHEX64 %rax
        SHOWMX
        PUTS64  "cvtsi2ss r64"
        MXCSR   MX_N
        mov     $0x123456789, %r11
        cvtsi2ssq %r11, %xmm11
        movd    %xmm11, %eax
        PUTHEX64 %rax
        MXCSR   MX_U
        mov     $-1, %rcx
        cvtsi2ssq %rcx, %xmm12
        movd    %xmm12, %eax
        PUTHEX64 %rax
        SHOWMX

        PUTS64  "cvt(t)sd2si r64"
        MXCSR   MX_N
        mov     $0x4004000000000000, %rax       # 2.5
        movq    %rax, %xmm13
        cvtsd2si %xmm13, %r15
        PUTHEX64 %r15
        cvttsd2si %xmm13, %r15
        PUTHEX64 %r15
        mov     $0xc3e0000000000001, %rax       # -2^63 - a bit: out of range
        movq    %rax, %xmm13
        cvttsd2si %xmm13, %r13
        PUTHEX64 %r13
        mov     $0x7ff8000000000000, %rax       # NaN
        movq    %rax, %xmm13
        cvtsd2si %xmm13, %r13
        PUTHEX64 %r13
        SHOWMX
        PUTS64  "cvt(t)ss2si r64"
        MXCSR   MX_D
        mov     $0xc0200000, %eax               # -2.5f
        movd    %eax, %xmm14
        cvtss2si %xmm14, %r12
        PUTHEX64 %r12
        cvttss2si %xmm14, %r12
        PUTHEX64 %r12
        mov     $0x5f000000, %eax               # 2^63: out of range
        movd    %eax, %xmm14
        cvttss2si %xmm14, %r12
        PUTHEX64 %r12
        mov     $-1, %r12
        cvttss2si %xmm14, %r12d                 # 32-bit form zero-extends
        PUTHEX64 %r12
        SHOWMX

        PUTS64  "masks and words"
        mov     $-1, %rax
        movapd  c_pd(%rip), %xmm10
        movmskpd %xmm10, %rax
        PUTHEX64 %rax
        mov     $-1, %r9
        movdqa  c_int(%rip), %xmm11
        pmovmskb %xmm11, %r9
        PUTHEX64 %r9
        mov     $0xffffffffffff5a5a, %r8
        pinsrw  $5, %r8d, %xmm11
        mov     $-1, %r10
        pextrw  $5, %xmm11, %r10d
        PUTHEX64 %r10
        PXMM    %xmm11
        call    nl64
        PUTS64  "movnti m64"
        mov     $0x0bad0bad0bad0bad, %rdx
        movnti  %rdx, scratch(%rip)
        mov     scratch(%rip), %rax
        PUTHEX64 %rax
        call    nl64

        PUTS64  "fxsave64 mxcsr xmm8 xmm15"
        MXCSR   MX_Z
        mov     $0x1111222233334444, %rax
        movq    %rax, %xmm8
        mov     $0x5555666677778888, %rax
        movq    %rax, %xmm15
        pshufd  $0x4e, %xmm15, %xmm15
        rex.W fxsave fxarea(%rip)
        mov     fxarea + 24(%rip), %eax
        PUTHEX64 %rax
        mov     fxarea + 288(%rip), %rax
        PUTHEX64 %rax
        mov     fxarea + 400(%rip), %rax
        PUTHEX64 %rax
        mov     fxarea + 408(%rip), %rax
        PUTHEX64 %rax
        movq    $0, fxarea + 288(%rip)
        rex.W fxrstor fxarea(%rip)
        movq    %xmm8, %rax
        PUTHEX64 %rax
        call    nl64

        PUTS64  "done\n"
        mov     $0, %al
        out     %al, $DEBUG_EXIT_PORT
        hlt

# 64-bit output (io64.inc).
        IO64_ROUTINES
