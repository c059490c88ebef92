# Conformance guest tasks32: hardware task switches (SDM Vol. 3, chapter 7).
#
# Copies the shared GDT into a larger one with three more 32-bit TSSs (B, C, D), a TSS whose limit
# is too small, and a task gate to C. From task A (the boot task, LTR 0x28) it checks: CALL far to
# TSS B (NT set in B, back link, busy bits) and IRET back (NT); JMP far through the task gate to C
# and C's JMP back to A (busy bits move, no NT); INT 0x40 through an IDT task gate to B; a #GP
# through an IDT task gate to D, which receives the error code on its stack and moves A's saved
# EIP past the fault; CR0.TS after a switch; #GP for a JMP to the busy TSS A; #TS for the small
# TSS; #GP for a CALL to a task gate whose TSS is busy.
        .include "common.inc"
        .include "pm32.inc"
        .include "idt32.inc"

        .set SEL_TSS_B, 0x68
        .set SEL_TSS_C, 0x70
        .set SEL_TASK_GATE_C, 0x78
        .set SEL_TSS_D, 0x80
        .set SEL_TSS_SMALL, 0x88
        .set SEL_TASK_GATE_A, 0x90
        .set GDT_BYTES, 0x98
        .set TSS_SIZE, 104
        .set TSS_BACKLINK, 0
        .set TSS_EIP, 0x20
        .set TSS_EFLAGS, 0x24
        .set TSS_EAX, 0x28
        .set TSS_ESP, 0x38
        .set TSS_ES, 0x48
        .set TSS_CS, 0x4c
        .set TSS_SS, 0x50
        .set TSS_DS, 0x54
        .set TSS_FS, 0x58
        .set TSS_GS, 0x5c
        .set TSS_IOMAP_BASE, 102
        .set TASK_VECTOR, 0x40
        .set GATE_TASK, 0x8500          # P, DPL 0, task gate

        .bss
        .balign 16
big_gdt:  .space GDT_BYTES
tss_a:    .space TSS_SIZE
tss_b:    .space TSS_SIZE
tss_c:    .space TSS_SIZE
tss_d:    .space TSS_SIZE
tss_small: .space TSS_SIZE
        .balign 16
          .space 1024
stack_b:
          .space 1024
stack_c:
          .space 1024
stack_d:

        .data
big_gdt_pointer:
        .word   GDT_BYTES - 1
        .long   big_gdt

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "tasks32\n"
        jmp     enter_pm32

        .text
        .code32
main32:
        call    idt_init
        call    setup_gdt
        mov     $SEL_TSS, %ax
        ltr     %ax
        clts
        PUTS32  "task a: tr="
        str     %eax
        call    hex32_word
        call    print_busy

        PUTS32  "\ncall far to tss b:\n"
        mov     $0xaaaa0001, %eax
        lcall   $SEL_TSS_B, $0
        PUTS32  "  back in task a: eax="
        call    hex32_dword
        call    print_task_state

        PUTS32  "\njmp far through the task gate to c:\n"
        mov     $0xaaaa0002, %eax
        ljmp    $SEL_TASK_GATE_C, $0
        PUTS32  "  back in task a: eax="
        call    hex32_dword
        call    print_task_state

        PUTS32  "\nint 0x40 through an idt task gate to b:\n"
        mov     $TASK_VECTOR, %eax
        mov     $0, %edx
        mov     $GATE_TASK, %ecx
        call    set_gate
        movw    $SEL_TSS_B, idt + TASK_VECTOR * 8 + 2
        int     $TASK_VECTOR
        PUTS32  "  back in task a"
        call    print_task_state

        PUTS32  "\n#gp through an idt task gate to d:\n"
        mov     $13, %eax
        mov     $0, %edx
        mov     $GATE_TASK, %ecx
        call    set_gate
        movw    $SEL_TSS_D, idt + 13 * 8 + 2
        mov     $0x1234, %ax
        mov     %ax, %ds                        # #GP(0x1230): beyond the GDT limit
        .globl  after_gp
after_gp:
        mov     $SEL_DATA32, %ax
        mov     %ax, %ds
        PUTS32  "  back in task a"
        call    print_task_state
        call    idt_init                        # #GP back to the reporting stub

        PUTS32  "\njmp to the busy tss a:\n"
        EXPECT_FAULT "ljmp $SEL_TSS, $0"
        PUTS32  "call to the tss whose limit is 0x40:\n"
        EXPECT_FAULT "lcall $SEL_TSS_SMALL, $0"
        PUTS32  "call through a task gate to the busy tss a:\n"
        EXPECT_FAULT "lcall $SEL_TASK_GATE_A, $0"
        PUTS32  "iret with nt and a back link to an available tss:\n"
        movw    $SEL_TSS_C, tss_a + TSS_BACKLINK
        pushf
        orl     $0x4000, (%esp)
        popf
        EXPECT_FAULT "iret"
        pushf
        andl    $~0x4000, (%esp)
        popf
        PUTS32  "faults: "
        mov     fault_count, %eax
        call    hex32_byte
        mov     $'\n', %al
        call    putc32
        mov     $0, %al
        jmp     exit32

# ---------------------------------------------------------------------------------------------
# Task B: entered by CALL and by INT through a task gate; returns with IRET (NT), and resumes
# after that IRET the next time.
task_b:
        PUTS32  "  task b: eax="
        call    hex32_dword
        PUTS32  " tr="
        str     %eax
        call    hex32_word
        PUTS32  " eflags="
        pushf
        popl    %eax
        call    hex32_dword
        PUTS32  " back link="
        movzwl  tss_b + TSS_BACKLINK, %eax
        call    hex32_word
        PUTS32  " esp="
        mov     %esp, %eax
        call    hex32_dword
        call    print_busy
        mov     $'\n', %al
        call    putc32
        incl    %ebx
        iret
        jmp     task_b

# Task C: entered by JMP through a task gate; JMPs back to A (A is available again).
task_c:
        PUTS32  "  task c: tr="
        str     %eax
        call    hex32_word
        PUTS32  " eflags="
        pushf
        popl    %eax
        call    hex32_dword
        PUTS32  " a's saved eax="
        mov     tss_a + TSS_EAX, %eax
        call    hex32_dword
        call    print_busy
        mov     $'\n', %al
        call    putc32
        ljmp    $SEL_TSS, $0
        jmp     task_c

# Task D: the #GP handler task: error code on its stack, moves A's EIP past the fault.
task_d:
        PUTS32  "  task d: error code="
        popl    %eax
        call    hex32_dword
        PUTS32  " a's saved eip is the mov to ds="
        mov     tss_a + TSS_EIP, %eax
        sub     $fault_insn_offset, %eax
        call    hex32_dword
        PUTS32  " eflags="
        pushf
        popl    %eax
        call    hex32_dword
        call    print_busy
        mov     $'\n', %al
        call    putc32
        movl    $after_gp, tss_a + TSS_EIP
        iret
        jmp     task_d
        .set    fault_insn_offset, after_gp - 2

# print_busy: " busy a b c d=" and the type nibbles of the four TSS descriptors. Preserves EAX.
print_busy:
        push    %eax
        PUTS32  " types a b c d="
        movb    big_gdt + SEL_TSS + 5, %al
        call    hex32_nibble
        movb    big_gdt + SEL_TSS_B + 5, %al
        call    hex32_nibble
        movb    big_gdt + SEL_TSS_C + 5, %al
        call    hex32_nibble
        movb    big_gdt + SEL_TSS_D + 5, %al
        call    hex32_nibble
        pop     %eax
        ret

# print_task_state: TR, CR0.TS (then cleared), EFLAGS.NT and the busy types.
print_task_state:
        push    %eax
        PUTS32  " tr="
        str     %eax
        call    hex32_word
        PUTS32  " cr0.ts="
        mov     %cr0, %eax
        shr     $3, %eax
        and     $1, %eax
        call    hex32_nibble
        clts
        PUTS32  " eflags="
        pushf
        popl    %eax
        call    hex32_dword
        call    print_busy
        mov     $'\n', %al
        call    putc32
        pop     %eax
        ret

# setup_gdt: the shared GDT copied into big_gdt, the TSS descriptors and task gates added, LGDT.
setup_gdt:
        mov     $gdt, %esi
        mov     $big_gdt, %edi
        mov     $(gdt_end - gdt), %ecx
        rep movsb
        mov     $tss_a, %eax
        mov     $SEL_TSS, %edi
        mov     $(TSS_SIZE - 1), %edx
        call    tss_descriptor
        mov     $tss_b, %eax
        mov     $SEL_TSS_B, %edi
        call    tss_descriptor
        mov     $tss_c, %eax
        mov     $SEL_TSS_C, %edi
        call    tss_descriptor
        mov     $tss_d, %eax
        mov     $SEL_TSS_D, %edi
        call    tss_descriptor
        mov     $tss_small, %eax
        mov     $SEL_TSS_SMALL, %edi
        mov     $0x40, %edx
        call    tss_descriptor
        movl    $(SEL_TSS_C << 16), big_gdt + SEL_TASK_GATE_C
        movl    $0x8500, big_gdt + SEL_TASK_GATE_C + 4
        movl    $(SEL_TSS << 16), big_gdt + SEL_TASK_GATE_A
        movl    $0x8500, big_gdt + SEL_TASK_GATE_A + 4
        mov     $tss_b, %edi
        mov     $task_b, %eax
        mov     $stack_b, %edx
        call    init_tss
        mov     $tss_c, %edi
        mov     $task_c, %eax
        mov     $stack_c, %edx
        call    init_tss
        mov     $tss_d, %edi
        mov     $task_d, %eax
        mov     $stack_d, %edx
        call    init_tss
        movl    $0xbbbb0000, tss_b + TSS_EAX
        movw    $TSS_SIZE, tss_a + TSS_IOMAP_BASE
        lgdt    big_gdt_pointer
        ret

# tss_descriptor: EAX = base, EDX = limit, EDI = selector: a 32-bit available TSS, DPL 0.
tss_descriptor:
        push    %eax
        movw    %dx, big_gdt(%edi)
        movw    %ax, big_gdt + 2(%edi)
        shr     $16, %eax
        movb    %al, big_gdt + 4(%edi)
        movb    $0x89, big_gdt + 5(%edi)
        movb    $0, big_gdt + 6(%edi)
        movb    %ah, big_gdt + 7(%edi)
        pop     %eax
        ret

# init_tss: EDI = TSS, EAX = EIP, EDX = ESP: flat ring-0 segments, EFLAGS = 2, I/O map beyond the limit.
init_tss:
        mov     %eax, TSS_EIP(%edi)
        mov     %edx, TSS_ESP(%edi)
        movl    $2, TSS_EFLAGS(%edi)
        movl    $SEL_CODE32, TSS_CS(%edi)
        movl    $SEL_DATA32, TSS_SS(%edi)
        movl    $SEL_DATA32, TSS_DS(%edi)
        movl    $SEL_DATA32, TSS_ES(%edi)
        movl    $SEL_DATA32, TSS_FS(%edi)
        movl    $SEL_DATA32, TSS_GS(%edi)
        movw    $TSS_SIZE, TSS_IOMAP_BASE(%edi)
        ret
