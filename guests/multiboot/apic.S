# Multiboot guest "apic": the local APIC and the I/O APIC of one CPU (issue 15's proof guest).
#
# Reads what CPUID, IA32_APIC_BASE and the APIC's ID and version registers say; software-enables the
# APIC; sends itself a fixed IPI (IRR, then the handler's PPR, then ISR clear after EOI), the same
# IPI held back by the TPR until it is lowered, and an NMI; runs the APIC timer periodic for 10
# ticks in HLT and once as a one-shot (the current count falls, then reads 0); routes the PIT
# through I/O APIC pin 2 (edge, 10 ticks at 1 kHz, every 8259 line masked) and the UART's THR-empty
# interrupt through pin 4 level-triggered (delivered again after each EOI while the line stays
# asserted, remote IRR set in the handler, clear at the end). Run under QEMU with -kernel apic.elf -m 16M.
        .include "serial.inc"
        .include "pic.inc"
        .include "apic.inc"

        .set VECTOR_IPI, 0x40
        .set VECTOR_TIMER, 0x41
        .set VECTOR_ONESHOT, 0x42
        .set VECTOR_PIT, 0x50
        .set VECTOR_UART, 0x54
        .set PIT_CHANNEL0, 0x40
        .set PIT_COMMAND, 0x43
        .set PIT_CH0_LOHI_MODE2, 0x34
        .set PIT_DIVISOR_1KHZ, 1193
        .set COM1_IER, 0x3f9
        .set IER_THR_EMPTY, 0x02
        .set COM1_MCR, 0x3fc
        .set MCR_OUT2_DTR_RTS, 0x0b

        .bss
        .balign 16
ipis:           .long 0
ppr_in_handler: .long 0
nmis:           .long 0
ticks:          .long 0
oneshots:       .long 0
wakeups:        .long 0
pit_ticks:      .long 0
uart_irqs:      .long 0
remote_irr_seen: .long 0
stack:          .space 4096
stack_top:

        .text
        .globl _start
_start:
        mov     $stack_top, %esp
        PUTS    "apic guest\n"
        lidt    idt_pointer
        mov     $VECTOR_IPI, %eax
        mov     $ipi_interrupt, %edx
        call    set_gate
        mov     $VECTOR_TIMER, %eax
        mov     $timer_interrupt, %edx
        call    set_gate
        mov     $VECTOR_ONESHOT, %eax
        mov     $oneshot_interrupt, %edx
        call    set_gate
        mov     $VECTOR_PIT, %eax
        mov     $pit_interrupt, %edx
        call    set_gate
        mov     $VECTOR_UART, %eax
        mov     $uart_interrupt, %edx
        call    set_gate
        mov     $2, %eax
        mov     $nmi_interrupt, %edx
        call    set_gate
        mov     $0xffff, %ax                    # every 8259 line masked: interrupts come through the APICs
        call    pic_init

        PUTS    "cpuid.1 edx.apic: "
        mov     $1, %eax
        cpuid
        mov     %edx, %eax
        shr     $9, %eax
        and     $1, %eax
        call    hex
        PUTS    "\napic base msr: "
        mov     $MSR_APIC_BASE, %ecx
        rdmsr
        call    hex
        PUTS    "\napic id: "
        mov     APIC_ID, %eax
        call    hex
        PUTS    "\napic version: "
        mov     APIC_VERSION, %eax
        and     $0xff00ff, %eax
        call    hex
        # (SVR and LINT0 are not printed as found: under QEMU the firmware has set them already.)
        movl    $(APIC_SVR_ENABLE | 0xff), APIC_SVR
        PUTS    "\nsvr: "
        mov     APIC_SVR, %eax
        call    hex
        movl    $0, APIC_TPR

        # A fixed IPI to itself: requested in IRR while IF = 0, taken after STI.
        movl    $(ICR_SELF | VECTOR_IPI), APIC_ICR_LOW
        PUTS    "\nirr after self ipi: "
        mov     APIC_IRR + 0x20, %eax           # vectors 0x40-0x5f
        call    hex
        sti
        nop
        cli
        PUTS    "\nipis handled: "
        mov     ipis, %eax
        call    hex
        PUTS    "\nppr in handler: "
        mov     ppr_in_handler, %eax
        call    hex
        PUTS    "\nisr after eoi: "
        mov     APIC_ISR + 0x20, %eax
        call    hex

        # The TPR holds back a vector of its class or below.
        movl    $0x40, APIC_TPR
        movl    $(ICR_SELF | VECTOR_IPI), APIC_ICR_LOW
        sti
        nop
        nop
        cli
        PUTS    "\nipis with tpr 0x40: "
        mov     ipis, %eax
        call    hex
        movl    $0, APIC_TPR
        sti
        nop
        cli
        PUTS    "\nipis after tpr 0: "
        mov     ipis, %eax
        call    hex

        # An NMI to its own APIC ID (physical destination 0).
        movl    $0, APIC_ICR_HIGH
        movl    $ICR_NMI, APIC_ICR_LOW
        nop
        PUTS    "\nnmis: "
        mov     nmis, %eax
        call    hex

        # The timer, periodic: divide by 16, 100000 counts (1.6 ms of the 1 GHz bus clock), 10 ticks in HLT.
        movl    $0x3, APIC_TIMER_DIVIDE
        movl    $(APIC_LVT_PERIODIC | VECTOR_TIMER), APIC_LVT_TIMER
        movl    $100000, APIC_TIMER_INITIAL
1:      cli
        cmpl    $10, ticks
        jae     2f
        sti
        hlt
        cli
        incl    wakeups
        jmp     1b
2:      movl    $0, APIC_TIMER_INITIAL
        PUTS    "\napic timer ticks: "
        mov     ticks, %eax
        call    hex
        PUTS    "\nhlt returned: "
        mov     wakeups, %eax
        call    hex

        # One-shot (its own vector: a periodic tick may still be pending): the count falls, the
        # interrupt comes once, then the count reads 0.
        movl    $VECTOR_ONESHOT, APIC_LVT_TIMER
        movl    $0x100000, APIC_TIMER_INITIAL
        mov     APIC_TIMER_CURRENT, %ebx
        mov     $1000, %ecx
3:      loop    3b
        mov     APIC_TIMER_CURRENT, %edx
        xor     %eax, %eax
        cmp     $0x100000, %ebx
        ja      4f
        cmp     %ebx, %edx
        jae     4f
        inc     %eax
4:      PUTS    "\none-shot count falls: "
        call    hex
5:      cli
        cmpl    $1, oneshots
        jae     6f
        sti
        hlt
        jmp     5b
6:      PUTS    "\none-shot interrupts: "
        mov     oneshots, %eax
        call    hex
        PUTS    "\ncount after one-shot: "
        mov     APIC_TIMER_CURRENT, %eax
        call    hex

        # The I/O APIC: the PIT on pin 2, edge-triggered, to APIC 0.
        PUTS    "\nioapic version: "
        mov     $IOAPIC_VERSION, %ecx
        call    ioapic_read
        call    hex
        PUTS    "\nioapic pin 2 at reset: "
        mov     $(IOAPIC_REDIRECTION + 4), %ecx
        call    ioapic_read
        call    hex
        mov     $(IOAPIC_REDIRECTION + 5), %ecx
        xor     %eax, %eax
        call    ioapic_write
        mov     $(IOAPIC_REDIRECTION + 4), %ecx
        mov     $VECTOR_PIT, %eax
        call    ioapic_write
        mov     $PIT_CH0_LOHI_MODE2, %al
        out     %al, $PIT_COMMAND
        mov     $(PIT_DIVISOR_1KHZ & 0xff), %al
        out     %al, $PIT_CHANNEL0
        mov     $(PIT_DIVISOR_1KHZ >> 8), %al
        out     %al, $PIT_CHANNEL0
7:      cli
        cmpl    $10, pit_ticks
        jae     8f
        sti
        hlt
        jmp     7b
8:      mov     $(IOAPIC_REDIRECTION + 4), %ecx
        mov     $(IOAPIC_MASKED | VECTOR_PIT), %eax
        call    ioapic_write
        PUTS    "\npit ticks through ioapic: "
        mov     pit_ticks, %eax
        call    hex

        # The UART's THR-empty interrupt on pin 4, level-triggered: the handler leaves the line
        # asserted (it never reads IIR), so each EOI brings it back, until the third turns it off.
        mov     $(IOAPIC_REDIRECTION + 9), %ecx
        xor     %eax, %eax
        call    ioapic_write
        mov     $(IOAPIC_REDIRECTION + 8), %ecx
        mov     $(IOAPIC_LEVEL | VECTOR_UART), %eax
        call    ioapic_write
        mov     $MCR_OUT2_DTR_RTS, %al          # OUT2 gates the UART's INTR onto the ISA line on a PC
        mov     $COM1_MCR, %dx
        out     %al, %dx
        mov     $IER_THR_EMPTY, %al
        mov     $COM1_IER, %dx
        out     %al, %dx
9:      cli
        cmpl    $3, uart_irqs
        jae     10f
        sti
        hlt
        jmp     9b
10:     PUTS    "\nuart level irqs: "
        mov     uart_irqs, %eax
        call    hex
        PUTS    "\nremote irr seen in handler: "
        mov     remote_irr_seen, %eax
        call    hex
        PUTS    "\npin 4 after: "
        mov     $(IOAPIC_REDIRECTION + 8), %ecx
        call    ioapic_read
        call    hex
        PUTS    "\napic done\n"
        mov     $0, %al
        jmp     exit

ipi_interrupt:
        push    %eax
        incl    ipis
        mov     APIC_PPR, %eax
        mov     %eax, ppr_in_handler
        movl    $0, APIC_EOI
        pop     %eax
        iret

nmi_interrupt:
        incl    nmis
        iret

timer_interrupt:
        incl    ticks
        movl    $0, APIC_EOI
        iret

oneshot_interrupt:
        incl    oneshots
        movl    $0, APIC_EOI
        iret

pit_interrupt:
        incl    pit_ticks
        movl    $0, APIC_EOI
        iret

uart_interrupt:
        push    %eax
        push    %ecx
        push    %edx
        incl    uart_irqs
        mov     $(IOAPIC_REDIRECTION + 8), %ecx
        call    ioapic_read
        test    $IOAPIC_REMOTE_IRR, %eax
        jz      1f
        incl    remote_irr_seen
1:      cmpl    $3, uart_irqs
        jb      2f
        xor     %al, %al
        mov     $COM1_IER, %dx
        out     %al, %dx
2:      movl    $0, APIC_EOI
        pop     %edx
        pop     %ecx
        pop     %eax
        iret
