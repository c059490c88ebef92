# Conformance guest control32: stack, control-flow and addressing forms in 32-bit protected mode.
#
# PUSH ESP / POP ESP, PUSH imm8 sign extension, 16-bit PUSH/POP in 32-bit code, PUSHAD/POPAD
# (the ESP slot), ENTER with nesting levels 0 and 2 and LEAVE, RET imm16, LOOP/LOOPE/LOOPNE/
# JECXZ, ModRM/SIB forms (scale, no base, EBP and ESP bases, disp8/disp32, negative
# displacements), 16-bit addressing in 32-bit code (0x67, offsets wrapping at 64 KiB), XLAT,
# BT/BTS on memory with bit offsets outside the addressed dword, CMPXCHG8B (equal and not),
# XCHG with memory, and LSS/LES/LFS/LGS. Each case prints the registers or memory it changed.
        .include "common.inc"
        .include "pm32.inc"

        .set SCRATCH, 0x20000           # data area for the memory cases
        .set STACK_BASE, RING0_STACK_TOP

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "control32\n"
        jmp     enter_pm32

        .text
        .code32
main32:
        PUTS32  "push esp pushes the old esp: "
        mov     %esp, %ebx
        push    %esp
        pop     %eax
        sub     %ebx, %eax
        call    hex32_dword
        PUTS32  "\npop esp loads the popped value: "
        mov     %esp, %ebx
        pushl   $0x12345678
        pop     %esp
        mov     %esp, %eax
        mov     %ebx, %esp
        call    hex32_dword
        PUTS32  "\npush imm8 -2: "
        pushl   $-2
        pop     %eax
        call    hex32_dword
        PUTS32  "\npushw/popw move esp by 2: "
        mov     %esp, %ebx
        pushw   $0xbeef
        mov     %esp, %eax
        sub     %ebx, %eax
        call    hex32_dword
        popw    %ax
        PUTS32  " value "
        call    hex32_word
        call    newline

        PUTS32  "pushad image:"
        mov     $0x11111111, %eax
        mov     $0x22222222, %ecx
        mov     $0x33333333, %edx
        mov     $0x44444444, %ebx
        mov     $0x55555555, %ebp
        mov     $0x66666666, %esi
        mov     $0x77777777, %edi
        mov     %esp, SCRATCH + 0x100
        pushal
        mov     %esp, %esi
        mov     $8, %ecx
1:      PUTHEX32 (%esi)
        add     $4, %esi
        loop    1b
        PUTS32  "\n  esp before pushad:"
        PUTHEX32 (SCRATCH + 0x100)
        movl    $0xdeadbeef, 12(%esp)           # POPAD skips the ESP slot
        popal
        PUTS32  "\n  after popad esp:"
        mov     %esp, %ebx
        PUTHEX32 %ebx
        PUTS32  " ebp:"
        PUTHEX32 %ebp
        call    newline

        PUTS32  "enter $16, $0:"
        mov     %esp, %ebx
        mov     $0xabcd0000, %ebp
        enter   $16, $0
        mov     %ebx, %eax
        sub     %esp, %eax
        PUTHEX32 %eax
        mov     %ebx, %eax
        sub     %ebp, %eax
        PUTHEX32 %eax
        leave
        PUTS32  " leave restores:"
        PUTHEX32 %ebp
        mov     %esp, %eax
        sub     %ebx, %eax
        PUTHEX32 %eax
        call    newline

        PUTS32  "enter $8, $2 frame:"
        mov     %esp, %ebx
        lea     -0x40(%esp), %ebp               # an outer frame whose display holds 0xf00d0001
        movl    $0xf00d0001, -4(%ebp)
        enter   $8, $2
        mov     %ebx, %eax
        sub     %esp, %eax
        PUTHEX32 %eax
        mov     %ebx, %eax
        sub     %ebp, %eax
        PUTHEX32 %eax
        PUTS32  " display:"
        PUTHEX32 -4(%ebp)
        mov     -8(%ebp), %eax
        sub     %ebx, %eax
        PUTHEX32 %eax
        leave
        mov     %ebx, %esp
        call    newline

        PUTS32  "ret $8:"
        mov     %esp, %ebx
        pushl   $1
        pushl   $2
        call    ret_imm
        mov     %ebx, %eax
        sub     %esp, %eax
        PUTHEX32 %eax
        call    newline

        PUTS32  "loop 5 times:"
        mov     $5, %ecx
        xor     %eax, %eax
1:      inc     %eax
        loop    1b
        PUTHEX32 %eax
        PUTHEX32 %ecx
        PUTS32  "\nloopne until eax=3, loope while eax=1:"
        mov     $10, %ecx
        xor     %eax, %eax
1:      inc     %eax
        cmp     $3, %eax
        loopne  1b
        PUTHEX32 %eax
        PUTHEX32 %ecx
        mov     $10, %ecx
        xor     %eax, %eax
1:      inc     %eax
        cmp     $1, %eax
        loope   1b
        PUTHEX32 %eax
        PUTHEX32 %ecx
        PUTS32  "\njecxz with ecx=0 and 0x10000:"
        xor     %ecx, %ecx
        mov     $'t', %al
        jecxz   1f
        mov     $'f', %al
1:      call    putc32
        mov     $0x10000, %ecx
        mov     $'t', %al
        jecxz   1f
        mov     $'f', %al
1:      call    putc32
        call    newline

        PUTS32  "lea forms:"
        mov     $0x1000, %eax
        mov     $0x20, %ebx
        mov     $0x3, %ecx
        mov     $0x40000, %ebp
        mov     $0x7, %esi
        lea     (%eax, %ebx), %edx
        PUTHEX32 %edx
        lea     0x10(, %ecx, 8), %edx
        PUTHEX32 %edx
        lea     -0x80(%ebp, %esi, 4), %edx
        PUTHEX32 %edx
        lea     0x12345678(%eax, %ecx, 2), %edx
        PUTHEX32 %edx
        lea     (%ebp), %edx
        PUTHEX32 %edx
        lea     -1(%eax), %edx
        PUTHEX32 %edx
        lea     0x7f(%esp), %edx
        sub     %esp, %edx
        PUTHEX32 %edx
        lea     (%eax, %eax, 4), %edx
        PUTHEX32 %edx
        addr16 lea 0x10(%bx, %si), %dx
        PUTHEX32 %edx
        call    newline

        PUTS32  "mov via sib and esp base:"
        movl    $0xcafe0001, SCRATCH + 0x2c
        mov     $SCRATCH, %eax
        mov     $0xb, %ecx
        mov     (%eax, %ecx, 4), %edx
        PUTHEX32 %edx
        pushl   $0xcafe0002
        pushl   $0
        mov     4(%esp), %edx
        add     $8, %esp
        PUTHEX32 %edx
        call    newline

        PUTS32  "16-bit addressing wraps at 64 KiB:"
        movl    $0x0000aaaa, 0x10
        movl    $0x0000bbbb, 0x10010
        mov     $0xfff0, %ebx
        mov     $0x0020, %esi
        addr16 mov (%bx, %si), %eax
        PUTHEX32 %eax
        call    newline

        PUTS32  "xlat:"
        mov     $xlat_table, %ebx
        mov     $5, %eax
        xlat
        PUTHEX32 %eax
        call    newline

        PUTS32  "bt/bts on memory beyond the dword:"
        movl    $0, SCRATCH + 0x40
        movl    $0, SCRATCH + 0x44
        movl    $0, SCRATCH + 0x4c
        movl    $0x10, SCRATCH + 0x4c
        mov     $100, %eax                      # dword 3, bit 4
        bt      %eax, SCRATCH + 0x40
        setc    %al
        movzbl  %al, %eax
        PUTHEX32 %eax
        mov     $-1, %eax                       # bit 31 of the dword before
        bts     %eax, SCRATCH + 0x44
        PUTHEX32 (SCRATCH + 0x40)
        mov     $35, %eax
        btsl    $35, SCRATCH + 0x44             # immediate offsets wrap within the dword
        PUTHEX32 (SCRATCH + 0x44)
        call    newline

        PUTS32  "cmpxchg8b equal:"
        movl    $0x11112222, SCRATCH + 0x80
        movl    $0x33334444, SCRATCH + 0x84
        mov     $0x11112222, %eax
        mov     $0x33334444, %edx
        mov     $0x55556666, %ebx
        mov     $0x77778888, %ecx
        cmpxchg8b SCRATCH + 0x80
        call    show_zf
        PUTHEX32 (SCRATCH + 0x84)
        PUTHEX32 (SCRATCH + 0x80)
        PUTS32  "\ncmpxchg8b not equal:"
        xor     %eax, %eax
        xor     %edx, %edx
        cmpxchg8b SCRATCH + 0x80
        call    show_zf
        PUTHEX32 %edx
        PUTHEX32 %eax
        call    newline

        PUTS32  "xchg with memory:"
        movl    $0x9999aaaa, SCRATCH + 0x90
        mov     $0x1234, %eax
        xchg    %eax, SCRATCH + 0x90
        PUTHEX32 %eax
        PUTHEX32 (SCRATCH + 0x90)
        call    newline

        PUTS32  "lss/les/lfs/lgs:"
        movl    $0x00065432, SCRATCH + 0xa0
        movw    $SEL_DATA32, SCRATCH + 0xa4
        mov     %esp, %ebx
        lss     SCRATCH + 0xa0, %esp
        mov     %esp, %eax
        mov     %ebx, %esp
        PUTHEX32 %eax
        les     SCRATCH + 0xa0, %eax
        lfs     SCRATCH + 0xa0, %ecx
        lgs     SCRATCH + 0xa0, %edx
        PUTHEX32 %eax
        mov     %es, %eax
        PUTHEX32 %eax
        mov     %gs, %eax
        PUTHEX32 %eax
        call    newline

        PUTS32  "control32 done\n"
        mov     $0, %al
        jmp     exit32

ret_imm:
        ret     $8

show_zf:
        pushf
        push    %eax
        PUTS32  " zf="
        mov     4(%esp), %eax
        shr     $6, %eax
        and     $1, %eax
        add     $'0', %al
        call    putc32
        pop     %eax
        popf
        ret

newline:
        push    %eax
        mov     $'\n', %al
        call    putc32
        pop     %eax
        ret

        .section .rodata
xlat_table:
        .byte   0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7
