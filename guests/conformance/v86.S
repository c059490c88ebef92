# Conformance guest v86: virtual-8086 mode (SDM Vol. 3, chapter 20; no CR4.VME).
#
# Ring 0 loads a TSS (ESP0/SS0, an I/O bitmap allowing only COM1 and isa-debug-exit) and IRETs to
# v86 code in this ROM (CS=F000) with IOPL 0. The v86 code prints through COM1 with the real-mode
# routines (I/O allowed by the bitmap) and stores through a real-mode segment; CLI, STI, PUSHF,
# POPF, INT n and IRET raise #GP(0) to the ring-0 monitor, which prints the v86 frame (EIP, CS,
# EFLAGS, ESP, SS, ES, DS, FS, GS, and DS as the handler found it: null) and skips the
# instruction. INT 0x41 asks the monitor to raise IOPL to 3: then PUSHF/POPF/CLI/STI run, INT 0x40
# goes through a DPL-3 gate to a ring-0 handler and IRETD returns, a real-mode style IRET works,
# and IN from a port the bitmap denies still raises #GP. HLT (#GP) makes the monitor end the test.
        .include "common.inc"
        .include "pm32.inc"
        .include "idt32.inc"

        .set TSS_ESP0, 4
        .set TSS_SS0, 8
        .set TSS_IOMAP_BASE, 102
        .set TSS_SIZE, 104
        .set IOMAP_BYTES, 0x80
        .set DESC_TSS32_AVAILABLE, 0x89
        .set V86_STACK_TOP, 0x6000
        .set V86_DATA_SEGMENT, 0x2000
        .set EFLAGS_VM, 0x20000
        .set EFLAGS_IOPL, 0x3000

        .bss
        .balign 16
tss:            .space TSS_SIZE
iomap:          .space IOMAP_BYTES + 1
tss_end:

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "v86\n"
        jmp     enter_pm32

# ---------------------------------------------------------------------------------------------
# Virtual-8086 code (CS = F000, SS:SP = 0000:6000, DS = ES = 2000, FS = 3000, GS = 4000).
v86_entry:
        PUTS16  "in v86: cs="
        mov     %cs, %ax
        call    hex16_word
        PUTS16  " ss:sp="
        mov     %ss, %ax
        call    hex16_word
        mov     $':', %al
        call    putc16
        mov     %sp, %ax
        call    hex16_word
        PUTS16  " ds="
        mov     %ds, %ax
        call    hex16_word
        movw    $0x1234, 0x10                   # DS:0010 = linear 0x20010
        PUTS16  " [2000:0010]="
        mov     0x10, %ax
        call    hex16_word
        PUTS16  "\niopl 0: cli\n"
        cli
        PUTS16  "sti\n"
        sti
        PUTS16  "pushf\n"
        pushf
        PUTS16  "popf\n"
        popf
        PUTS16  "int 0x40\n"
        int     $0x40
        PUTS16  "iret\n"
        iret
        PUTS16  "int 0x41: the monitor raises iopl\n"
        int     $0x41
        PUTS16  "iopl 3: pushf="
        pushf
        pop     %ax
        call    hex16_word
        cli
        sti
        pushl   $0x00003202
        popfl
        pushfl
        popl    %eax
        PUTS16  " after popfd="
        call    hex16_dword
        PUTS16  "\nint 0x40:\n"
        int     $0x40
        PUTS16  "back in v86, real-mode iret:"
        pushf
        push    %cs
        push    $1f
        iret
        PUTS16  " skipped\n"
1:      PUTS16  " done\nin al, dx=0x80 (denied by the bitmap):\n"
        mov     $0x80, %dx
        in      %dx, %al                        # one byte: the monitor skips it
        PUTS16  "hlt:\n"
        hlt
        PUTS16  "  hlt returned\n"
        mov     $1, %al
        out     %al, $DEBUG_EXIT_PORT

        .text
        .code32
main32:
        call    idt_init
        mov     $13, %eax
        mov     $gp_monitor, %edx
        mov     $GATE_INT32, %ecx
        call    set_gate
        mov     $0x40, %eax
        mov     $int40_handler, %edx
        mov     $(GATE_INT32 | GATE_DPL3), %ecx
        call    set_gate
        call    setup_tss
        mov     $SEL_TSS, %ax
        ltr     %ax
        PUTS32  "iretd to v86\n"
        pushl   $0x4000                         # GS
        pushl   $0x3000                         # FS
        pushl   $V86_DATA_SEGMENT               # DS
        pushl   $V86_DATA_SEGMENT               # ES
        pushl   $0                              # SS
        pushl   $V86_STACK_TOP                  # ESP
        pushl   $(EFLAGS_VM | 2)                # EFLAGS: VM, IOPL 0
        pushl   $ROM_SEGMENT                    # CS
        pushl   $v86_entry                      # EIP (.text16 is linked at its offset in F000)
        iret

# v86 frame after PUSHAL (32 bytes): [error code,] EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS.
.macro PRINT_V86_FRAME base
        PUTS32  " eip="
        mov     \base(%esp), %eax
        call    hex32_word
        PUTS32  " cs="
        mov     \base+4(%esp), %eax
        call    hex32_word
        PUTS32  " eflags="
        mov     \base+8(%esp), %eax
        call    hex32_dword
        PUTS32  " ss:sp="
        mov     \base+16(%esp), %eax
        call    hex32_word
        mov     $':', %al
        call    putc32
        mov     \base+12(%esp), %eax
        call    hex32_word
        PUTS32  " es ds fs gs="
        mov     \base+20(%esp), %eax
        call    hex32_word
        mov     $' ', %al
        call    putc32
        mov     \base+24(%esp), %eax
        call    hex32_word
        mov     $' ', %al
        call    putc32
        mov     \base+28(%esp), %eax
        call    hex32_word
        mov     $' ', %al
        call    putc32
        mov     \base+32(%esp), %eax
        call    hex32_word
.endm

# gp_monitor: prints the v86 #GP frame and skips the instruction (INT n: 2 bytes, others 1);
# INT 0x41 also sets IOPL 3 in the frame, HLT ends the guest.
gp_monitor:
        pushal
        mov     %ds, %ebx
        mov     $SEL_DATA32, %ax
        mov     %ax, %ds
        mov     %ax, %es
        PUTS32  "  #gp err="
        mov     32(%esp), %eax
        call    hex32_dword
        PRINT_V86_FRAME 36
        PUTS32  " ds in handler="
        mov     %ebx, %eax
        call    hex32_word
        mov     $'\n', %al
        call    putc32
        movzwl  40(%esp), %eax                  # v86 CS
        shl     $4, %eax
        add     36(%esp), %eax                  # linear address of the instruction
        movzbl  (%eax), %ecx
        cmp     $0xf4, %cl
        je      monitor_done
        incl    36(%esp)
        cmp     $0xcd, %cl
        jne     1f
        incl    36(%esp)
        cmpb    $0x41, 1(%eax)
        jne     1f
        orl     $EFLAGS_IOPL, 44(%esp)
1:      popal
        add     $4, %esp
        iret
monitor_done:
        PUTS32  "monitor: hlt in v86, faults="
        mov     fault_count, %eax
        call    hex32_byte
        mov     $'\n', %al
        call    putc32
        mov     $0, %al
        jmp     exit32

# int40_handler: INT 0x40 from v86 with IOPL 3 (DPL-3 gate): print the frame, return.
int40_handler:
        pushal
        mov     %ds, %ebx
        mov     $SEL_DATA32, %ax
        mov     %ax, %ds
        PUTS32  "  ring 0:"
        PRINT_V86_FRAME 32
        PUTS32  " ds in handler="
        mov     %ebx, %eax
        call    hex32_word
        mov     $'\n', %al
        call    putc32
        popal
        iret

# setup_tss: ESP0/SS0, the I/O bitmap (deny all but 0x3f8-0x3fd and 0xf4), the GDT descriptor.
setup_tss:
        movl    $RING0_STACK_TOP, tss + TSS_ESP0
        movl    $SEL_DATA32, tss + TSS_SS0
        movw    $(iomap - tss), tss + TSS_IOMAP_BASE
        mov     $iomap, %edi
        mov     $0xff, %al
        mov     $(IOMAP_BYTES + 1), %ecx
        rep stosb
        andb    $0xc0, iomap + (0x3f8 / 8)
        andb    $~(1 << (0xf4 % 8)), iomap + (0xf4 / 8)
        mov     $tss, %eax
        mov     $(tss_end - tss - 1), %edx
        movw    %dx, gdt + SEL_TSS + 0
        movw    %ax, gdt + SEL_TSS + 2
        shr     $16, %eax
        movb    %al, gdt + SEL_TSS + 4
        movb    $DESC_TSS32_AVAILABLE, gdt + SEL_TSS + 5
        movb    $0, gdt + SEL_TSS + 6
        movb    %ah, gdt + SEL_TSS + 7
        ret
