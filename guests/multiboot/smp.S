# Multiboot guest "smp": two CPUs (issue 15's proof guest; QEMU with -smp 2).
#
# The BSP copies a real-mode trampoline to 0x8000 and starts the AP with INIT, INIT de-assert and
# two start-up IPIs (vector 0x08), as the MP specification says. The AP enters protected mode on its
# own GDT, software-enables its APIC and reports its APIC ID. Then both CPUs add 1 to a shared total
# with LOCK XADD 100000 times each, and increment a plain counter 50000 times each inside a spinlock
# taken with XCHG and released with a plain MOV (a lost update or a lost release shows as a wrong
# count or a hang). The AP then sends the BSP a fixed IPI, which the BSP waits for in HLT.
        .include "serial.inc"
        .include "pic.inc"
        .include "apic.inc"

        .set TRAMPOLINE, 0x8000
        .set STARTUP_VECTOR, TRAMPOLINE >> 12
        .set VECTOR_FROM_AP, 0x60
        .set XADD_ROUNDS, 100000
        .set LOCK_ROUNDS, 50000

        .data
        .balign 8
gdt:    .quad   0
        .quad   0x00cf9a000000ffff              # 0x08: flat 32-bit code
        .quad   0x00cf92000000ffff              # 0x10: flat data
gdt_end:
gdt_pointer:
        .word   gdt_end - gdt - 1
        .long   gdt

        .bss
        .balign 64
total:          .long 0
        .balign 64
spin:           .long 0
        .balign 64
plain_counter:  .long 0
        .balign 64
ap_started:     .long 0
ap_done:        .long 0
ap_apic_id:     .long 0
ipis:           .long 0
stack:          .space 4096
stack_top:
ap_stack:       .space 4096
ap_stack_top:

        .text
        .globl _start
_start:
        # Our own GDT first: the loader's may sit where the trampoline goes (minivmm puts it at 0x8000).
        lgdt    gdt_pointer
        ljmp    $0x08, $1f
1:      mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $stack_top, %esp
        PUTS    "smp guest\n"
        lidt    idt_pointer
        mov     $VECTOR_FROM_AP, %eax
        mov     $ap_interrupt, %edx
        call    set_gate
        mov     $0xffff, %ax
        call    pic_init
        movl    $(APIC_SVR_ENABLE | 0xff), APIC_SVR

        # The AP's first instructions, at the start-up page.
        mov     $trampoline_start, %esi
        mov     $TRAMPOLINE, %edi
        mov     $(trampoline_end - trampoline_start), %ecx
        cld
        rep movsb

        movl    $(1 << 24), APIC_ICR_HIGH
        movl    $(ICR_INIT | ICR_LEVEL_ASSERT | (1 << 15)), APIC_ICR_LOW   # INIT, level assert
        movl    $(ICR_INIT | (1 << 15)), APIC_ICR_LOW                      # INIT level de-assert
        movl    $(ICR_STARTUP | STARTUP_VECTOR), APIC_ICR_LOW
        movl    $(ICR_STARTUP | STARTUP_VECTOR), APIC_ICR_LOW              # the second is ignored by a running AP
1:      cmpl    $0, ap_started
        jne     2f
        pause
        jmp     1b
2:      PUTS    "ap started, apic id: "
        mov     ap_apic_id, %eax
        call    hex
        PUTS    "\n"

        call    count
        sti
3:      cli
        cmpl    $0, ap_done
        je      4f
        cmpl    $0, ipis
        jne     5f
4:      sti
        hlt
        jmp     3b
5:      PUTS    "lock xadd total: "
        mov     total, %eax
        call    hex
        PUTS    "\nspinlock counter: "
        mov     plain_counter, %eax
        call    hex
        PUTS    "\nipis from the ap: "
        mov     ipis, %eax
        call    hex
        PUTS    "\nsmp done\n"
        mov     $0, %al
        jmp     exit

# count: the work both CPUs do. Preserves nothing.
count:
        mov     $XADD_ROUNDS, %ecx
1:      mov     $1, %eax
        lock xadd %eax, total
        loop    1b
        mov     $LOCK_ROUNDS, %ecx
2:      mov     $1, %eax
3:      xchg    %eax, spin
        test    %eax, %eax
        jz      4f
        pause
        mov     $1, %eax
        jmp     3b
4:      incl    plain_counter
        movl    $0, spin
        loop    2b
        ret

ap_interrupt:
        incl    ipis
        movl    $0, APIC_EOI
        iret

ap_entry32:
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $ap_stack_top, %esp
        movl    $(APIC_SVR_ENABLE | 0xff), APIC_SVR
        mov     APIC_ID, %eax
        shr     $24, %eax
        mov     %eax, ap_apic_id
        movl    $1, ap_started
        call    count
        lock incl ap_done
        movl    $0, APIC_ICR_HIGH
        movl    $VECTOR_FROM_AP, APIC_ICR_LOW
1:      cli
        hlt
        jmp     1b

        .code16
trampoline_start:
        cli
        lgdtl   %cs:(trampoline_gdt - trampoline_start)
        mov     %cr0, %eax
        or      $1, %eax
        mov     %eax, %cr0
        ljmpl   $0x08, $ap_entry32
trampoline_gdt:
        .word   gdt_end - gdt - 1
        .long   gdt
trampoline_end:
        .code32
