# Multiboot guest "uartirq": the 16550 transmitting by interrupt (issue 6's second proof guest).
#
# Unmasks IRQ 4 at the PIC (vectors 0x20-0x2f), sets the UART's MCR.OUT2 (which gates its IRQ
# on a PC) and IER.ETBEI, and lets the interrupt handler send a message one byte per
# "transmitter holding register empty" interrupt (IIR = 0x02), disabling the interrupt after the
# last byte. The main loop sleeps in HLT. Then it prints, by polling, how many interrupts came.
        .include "serial.inc"
        .include "pic.inc"

        .set COM1_IER, 0x3f9
        .set COM1_IIR, 0x3fa
        .set COM1_MCR, 0x3fc
        .set IER_THR_EMPTY, 0x02
        .set IIR_ID_MASK, 0x0f
        .set IIR_THR_EMPTY, 0x02
        .set MCR_OUT2, 0x08
        .set IRQ_COM1, 4

        .bss
        .balign 16
next_byte:      .long 0
interrupts:     .long 0
done:           .long 0
stack:          .space 4096
stack_top:

        .section .rodata
message:        .ascii "sent byte by byte from the THR-empty interrupt\n"
message_end:

        .text
        .globl _start
_start:
        mov     $stack_top, %esp
        PUTS    "uartirq guest\n"
        lidt    idt_pointer
        mov     $(IRQ_BASE + IRQ_COM1), %eax
        mov     $uart_interrupt, %edx
        call    set_gate
        mov     $~(1 << IRQ_COM1) & 0xffff, %ax
        call    pic_init
        movl    $message, next_byte
        mov     $MCR_OUT2, %al
        mov     $COM1_MCR, %dx
        out     %al, %dx
        sti
        mov     $IER_THR_EMPTY, %al             # THR is empty now: the first interrupt follows
        mov     $COM1_IER, %dx
        out     %al, %dx
        # Test and sleep without a window: STI's one-instruction shadow makes "sti; hlt" atomic,
        # so an interrupt that sets `done` cannot slip in between the test and the HLT.
1:      cli
        cmpl    $0, done
        jne     2f
        sti
        hlt
        jmp     1b
2:
        PUTS    "interrupts taken: "
        mov     interrupts, %eax
        call    hex
        PUTS    "\nuartirq done\n"
        mov     $0, %al
        jmp     exit

uart_interrupt:
        push    %eax
        push    %edx
        push    %esi
        incl    interrupts
        mov     $COM1_IIR, %dx
        in      %dx, %al
        and     $IIR_ID_MASK, %al
        cmp     $IIR_THR_EMPTY, %al
        jne     2f
        mov     next_byte, %esi
        cmp     $message_end, %esi
        jae     1f
        mov     (%esi), %al
        mov     $COM1_THR, %dx
        out     %al, %dx
        incl    next_byte
        jmp     2f
1:      xor     %al, %al                        # all sent: no more THR-empty interrupts
        mov     $COM1_IER, %dx
        out     %al, %dx
        movl    $1, done
2:      mov     $OCW2_EOI, %al
        out     %al, $PIC1_COMMAND
        pop     %esi
        pop     %edx
        pop     %eax
        iret
