# Multiboot guest "timer": the 8259A PICs and the 8254 PIT (issue 6's proof guest).
#
# Remaps the PICs to vectors 0x20-0x2f with only IRQ 0 unmasked, programs PIT channel 0 for
# 100 Hz (mode 2, divisor 11932), enables interrupts and sleeps in HLT until 100 timer ticks have
# arrived. Prints the ticks counted, how many times HLT returned (each tick wakes it once: nothing
# else may), and the master's in-service register after the last EOI (0). Needs the machine's
# i8259 and i8254; run under QEMU with -kernel timer.elf -m 16M.
        .include "serial.inc"
        .include "pic.inc"

        .set PIT_CHANNEL0, 0x40
        .set PIT_COMMAND, 0x43
        .set PIT_CH0_LOHI_MODE2, 0x34
        .set PIT_DIVISOR_100HZ, 11932
        .set TICKS_WANTED, 100

        .bss
        .balign 16
ticks:          .long 0
wakeups:        .long 0
stack:          .space 4096
stack_top:

        .text
        .globl _start
_start:
        mov     $stack_top, %esp
        PUTS    "timer guest\n"
        lidt    idt_pointer
        mov     $(IRQ_BASE + 0), %eax
        mov     $timer_interrupt, %edx
        call    set_gate
        mov     $0xfffe, %ax                    # only IRQ 0
        call    pic_init
        mov     $PIT_CH0_LOHI_MODE2, %al
        out     %al, $PIT_COMMAND
        mov     $(PIT_DIVISOR_100HZ & 0xff), %al
        out     %al, $PIT_CHANNEL0
        mov     $(PIT_DIVISOR_100HZ >> 8), %al
        out     %al, $PIT_CHANNEL0
        PUTS    "pic and pit programmed, sleeping until 100 ticks\n"
        # Test and sleep without a window: STI's one-instruction shadow makes "sti; hlt" atomic,
        # and CLI right after the wake-up keeps the count of wake-ups exact.
1:      cli
        cmpl    $TICKS_WANTED, ticks
        jae     2f
        sti
        hlt
        cli
        incl    wakeups
        jmp     1b
2:
        PUTS    "ticks counted: "
        mov     ticks, %eax
        call    hex
        PUTS    "\nhlt returned: "
        mov     wakeups, %eax
        call    hex
        PUTS    "\nmaster isr after eoi: "
        mov     $OCW3_READ_ISR, %al
        out     %al, $PIC1_COMMAND
        in      $PIC1_COMMAND, %al
        movzbl  %al, %eax
        call    hex
        PUTS    "\ntimer done\n"
        mov     $0, %al
        jmp     exit

timer_interrupt:
        push    %eax
        incl    ticks
        mov     $OCW2_EOI, %al
        out     %al, $PIC1_COMMAND
        pop     %eax
        iret
