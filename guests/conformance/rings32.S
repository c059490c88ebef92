# Conformance guest rings32: ring 0 <-> ring 3 with paging.
#
# Loads a TSS (ESP0/SS0 and an I/O permission bitmap that allows only COM1 and isa-debug-exit),
# enables paging with user pages, one supervisor-only page and one user read-only page, then
# IRETs to ring 3 (with FS holding a ring-0 selector, which IRET must null). In ring 3 it checks
# INT 0x80 through a DPL-3 interrupt gate (stack switch to ESP0, saved SS:ESP), a far CALL
# through a DPL-3 call gate with two parameters copied to the ring-0 stack, POPF not changing IF
# or IOPL, #GP for CLI/HLT/MOV CR0/IN and OUT to a port the bitmap denies/INT through a DPL-0
# gate/loading a DPL-0 data selector, #PF (err 5 and 7) for a supervisor page and a write to a
# read-only user page, then a supervisor write to that page with CR0.WP=1 (err 3). Ring 3 ends
# the VM itself through the allowed port 0xf4.
        .include "common.inc"
        .include "pm32.inc"
        .include "idt32.inc"

        .set PTE_P, 0x001
        .set PTE_RW, 0x002
        .set PTE_US, 0x004
        .set SUPERVISOR_PAGE, 0x32000
        .set USER_RO_PAGE, 0x33000
        .set EFLAGS_IF, 0x200
        .set EFLAGS_IOPL, 0x3000
        .set TSS_ESP0, 4
        .set TSS_SS0, 8
        .set TSS_IOMAP_BASE, 102
        .set TSS_SIZE, 104
        .set IOMAP_BYTES, 0x80          # ports 0-0x3ff, then the 0xff terminator
        .set DESC_TSS32_AVAILABLE, 0x89
        .set SYSCALL_VECTOR, 0x80
        .set KERNEL_ONLY_VECTOR, 0x81

        .bss
        .balign 4096
page_directory: .space 4096
page_table:     .space 4096
        .balign 16
tss:            .space TSS_SIZE
iomap:          .space IOMAP_BYTES + 1
tss_end:

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "rings32\n"
        jmp     enter_pm32

        .text
        .code32
main32:
        call    idt_init
        mov     $SYSCALL_VECTOR, %eax
        mov     $syscall_handler, %edx
        mov     $(GATE_INT32 | GATE_DPL3), %ecx
        call    set_gate
        mov     $KERNEL_ONLY_VECTOR, %eax
        mov     $syscall_handler, %edx
        mov     $GATE_INT32, %ecx
        call    set_gate
        call    setup_tss
        call    setup_call_gate
        call    setup_paging

        mov     $SEL_TSS, %ax
        ltr     %ax
        PUTS32  "tr="
        str     %eax
        call    hex32_word
        PUTS32  " tss descriptor type after ltr="
        movzbl  gdt + SEL_TSS + 5, %eax
        call    hex32_byte
        PUTS32  "\nring 0 write to the user read-only page with WP=1:\n"
        EXPECT_FAULT "movl $1, (USER_RO_PAGE)"

        PUTS32  "iret to ring 3\n"
        mov     $SEL_DATA32, %ax
        mov     %ax, %fs                        # DPL 0: IRET to ring 3 must null it
        pushl   $SEL_DATA32_R3                  # SS
        pushl   $RING3_STACK_TOP                # ESP
        pushl   $0x00000002                     # EFLAGS: IOPL 0, IF 0
        pushl   $SEL_CODE32_R3                  # CS
        pushl   $ring3_entry                    # EIP
        iret

# ---------------------------------------------------------------------------------------------
ring3_entry:
        mov     $SEL_DATA32_R3, %ax
        mov     %ax, %ds
        mov     %ax, %es
        PUTS32  "in ring 3: cs="
        mov     %cs, %eax
        call    hex32_word
        PUTS32  " ss="
        mov     %ss, %eax
        call    hex32_word
        PUTS32  " fs="
        mov     %fs, %eax
        call    hex32_word
        PUTS32  " esp="
        mov     %esp, %eax
        call    hex32_dword

        PUTS32  "\nint 0x80 (DPL 3 gate):\n"
        mov     $0x1234, %eax
        int     $SYSCALL_VECTOR
        PUTS32  "  back in ring 3, eax="
        call    hex32_dword
        PUTS32  " esp="
        mov     %esp, %eax
        call    hex32_dword

        PUTS32  "\nfar call through the call gate, 2 parameters:\n"
        pushl   $0xaaaa0001
        pushl   $0xbbbb0002
        lcall   $(SEL_CALL_GATE | 3), $0
        PUTS32  "  back in ring 3, esp="
        mov     %esp, %eax
        call    hex32_dword

        PUTS32  "\npopf trying to set IF and IOPL: eflags="
        pushl   $(0x2 | EFLAGS_IF | EFLAGS_IOPL)
        popf
        pushf
        popl    %eax
        and     $(EFLAGS_IF | EFLAGS_IOPL), %eax
        call    hex32_dword

        PUTS32  "\ncli:\n"
        EXPECT_FAULT "cli"
        PUTS32  "hlt:\n"
        EXPECT_FAULT "hlt"
        PUTS32  "mov cr0, eax:\n"
        EXPECT_FAULT "mov %cr0, %eax"
        PUTS32  "in al, 0x80 (denied by the I/O bitmap):\n"
        EXPECT_FAULT "in $0x80, %al"
        PUTS32  "out 0x3fe, al (denied):\n"
        EXPECT_FAULT "mov $0x3fe, %dx", "out %al, %dx"
        PUTS32  "inw 0x3fd (0x3fd allowed, 0x3fe denied):\n"
        EXPECT_FAULT "mov $0x3fd, %dx", "in %dx, %ax"
        PUTS32  "int 0x81 (DPL 0 gate):\n"
        EXPECT_FAULT "int $KERNEL_ONLY_VECTOR"
        PUTS32  "mov ds, ring-0 data selector:\n"
        EXPECT_FAULT "mov $SEL_DATA32, %ax", "mov %ax, %ds"
        PUTS32  "read the supervisor page:\n"
        EXPECT_FAULT "mov (SUPERVISOR_PAGE), %eax"
        PUTS32  "write the user read-only page:\n"
        EXPECT_FAULT "movl $2, (USER_RO_PAGE)"
        PUTS32  "read the user read-only page:"
        PUTHEX32 (USER_RO_PAGE)

        PUTS32  "\nexceptions: "
        mov     fault_count, %eax
        call    hex32_dword
        PUTS32  "\nrings32 done (exit from ring 3)\n"
        mov     $0, %al
        out     %al, $DEBUG_EXIT_PORT
1:      jmp     1b

# ---------------------------------------------------------------------------------------------
# INT 0x80 handler (ring 0): show the frame the CPU built on the ESP0 stack, return EAX + 1.
syscall_handler:
        push    %ebp
        mov     %esp, %ebp                      # +4 EIP, +8 CS, +12 EFLAGS, +16 ESP, +20 SS
        push    %eax
        PUTS32  "  ring 0: cs="
        mov     %cs, %eax
        call    hex32_word
        PUTS32  " ss="
        mov     %ss, %eax
        call    hex32_word
        PUTS32  " frame cs="
        mov     8(%ebp), %eax
        call    hex32_word
        PUTS32  " eflags="
        mov     12(%ebp), %eax
        call    hex32_dword
        PUTS32  " ss:esp="
        mov     20(%ebp), %eax
        call    hex32_word
        mov     $':', %al
        call    putc32
        mov     16(%ebp), %eax
        call    hex32_dword
        PUTS32  " frame at "
        lea     4(%ebp), %eax
        call    hex32_dword
        call    newline
        pop     %eax
        inc     %eax
        pop     %ebp
        iret

# Call-gate target (ring 0): the new stack holds EIP, CS, 2 parameters, ESP, SS.
call_gate_target:
        push    %ebp
        mov     %esp, %ebp                      # +4 EIP, +8 CS, +12 param 2, +16 param 1, +20 ESP, +24 SS
        PUTS32  "  ring 0 via call gate: cs="
        mov     %cs, %eax
        call    hex32_word
        PUTS32  " caller cs="
        mov     8(%ebp), %eax
        call    hex32_word
        PUTS32  " params"
        PUTHEX32 16(%ebp)
        PUTHEX32 12(%ebp)
        PUTS32  " caller ss:esp="
        mov     24(%ebp), %eax
        call    hex32_word
        mov     $':', %al
        call    putc32
        mov     20(%ebp), %eax
        call    hex32_dword
        call    newline
        pop     %ebp
        lret    $8

newline:
        push    %eax
        mov     $'\n', %al
        call    putc32
        pop     %eax
        ret

# setup_tss: ESP0/SS0, the I/O bitmap (deny all but 0x3f8-0x3fd and 0xf4), the GDT descriptor.
setup_tss:
        movl    $RING0_STACK_TOP, tss + TSS_ESP0
        movl    $SEL_DATA32, tss + TSS_SS0
        movw    $(iomap - tss), tss + TSS_IOMAP_BASE
        mov     $iomap, %edi
        mov     $0xff, %al
        mov     $(IOMAP_BYTES + 1), %ecx
        rep stosb
        andb    $0xc0, iomap + (0x3f8 / 8) + 1 * 0   # bits 0-5 of byte 0x7f: ports 0x3f8-0x3fd
        andb    $~(1 << (0xf4 % 8)), iomap + (0xf4 / 8)
        mov     $tss, %eax
        mov     $(tss_end - tss - 1), %edx
        movw    %dx, gdt + SEL_TSS + 0          # limit 15:0
        movw    %ax, gdt + SEL_TSS + 2          # base 15:0
        shr     $16, %eax
        movb    %al, gdt + SEL_TSS + 4          # base 23:16
        movb    $DESC_TSS32_AVAILABLE, gdt + SEL_TSS + 5
        movb    $0, gdt + SEL_TSS + 6
        movb    %ah, gdt + SEL_TSS + 7          # base 31:24
        ret

# setup_call_gate: DPL-3 32-bit call gate -> SEL_CODE32:call_gate_target, 2 dword parameters.
setup_call_gate:
        mov     $call_gate_target, %eax
        movw    %ax, gdt + SEL_CALL_GATE + 0
        movw    $SEL_CODE32, gdt + SEL_CALL_GATE + 2
        movb    $2, gdt + SEL_CALL_GATE + 4
        movb    $0xec, gdt + SEL_CALL_GATE + 5  # P, DPL 3, type 0xc (32-bit call gate)
        shr     $16, %eax
        movw    %ax, gdt + SEL_CALL_GATE + 6
        ret

# setup_paging: low 1 MiB identity-mapped as user read/write, except the supervisor page and
# the user read-only page; CR0.PG and CR0.WP on.
setup_paging:
        xor     %ecx, %ecx
1:      mov     %ecx, %eax
        shl     $12, %eax
        or      $(PTE_P | PTE_RW | PTE_US), %eax
        mov     %eax, page_table(, %ecx, 4)
        inc     %ecx
        cmp     $256, %ecx
        jne     1b
        movl    $(SUPERVISOR_PAGE | PTE_P | PTE_RW), page_table + (SUPERVISOR_PAGE >> 12) * 4
        movl    $(USER_RO_PAGE | PTE_P | PTE_US), page_table + (USER_RO_PAGE >> 12) * 4
        movl    $0x5eed0123, (SUPERVISOR_PAGE)
        movl    $0x0ead0456, (USER_RO_PAGE)
        movl    $(page_table + PTE_P + PTE_RW + PTE_US), page_directory
        mov     $page_directory, %eax
        mov     %eax, %cr3
        mov     %cr0, %eax
        or      $(CR0_PG | CR0_WP), %eax
        mov     %eax, %cr0
        jmp     1f
1:      ret
