# An idle PC (scripts/idle-cpu.sh, configs/idle.json): programs the 8259 PICs and the 8254 PIT
# for a 100 Hz timer and sleeps in HLT forever, printing a dot every 100 ticks (once a second).
# It never exits on its own: the script stops it with --timeout (minivmm) or timeout (QEMU) and
# reads how much host CPU the VMM used to keep an idle guest's time. Stays in real mode; the
# timer handler is IVT vector 0x20 (the PIC's IRQ 0 after the remap).
        .include "common.inc"

        .set PIC1_COMMAND, 0x20
        .set PIC2_COMMAND, 0xa0
        .set ICW1_EDGE_CASCADE_ICW4, 0x11
        .set ICW4_8086, 0x01
        .set OCW2_EOI, 0x20
        .set IRQ_BASE, 0x20
        .set PIT_CHANNEL0, 0x40
        .set PIT_COMMAND, 0x43
        .set PIT_CH0_LOHI_MODE2, 0x34
        .set PIT_DIVISOR_100HZ, 11932
        .set TICKS_PER_DOT, 100

        .set TICKS, 0x500                       # a word of RAM above the IVT and BDA

        .section .text16, "ax"
        .code16
        .globl main16
main16:
        PUTS16  "idle guest: 100 Hz timer, one dot a second\r\n"
        movw    $0, TICKS
        movw    $timer_interrupt, IRQ_BASE * 4
        movw    %cs, IRQ_BASE * 4 + 2
        # Master at vectors 0x20-0x27 with only IRQ 0 open, slave at 0x28-0x2f all masked.
        mov     $ICW1_EDGE_CASCADE_ICW4, %al
        out     %al, $PIC1_COMMAND
        out     %al, $PIC2_COMMAND
        mov     $IRQ_BASE, %al
        out     %al, $PIC1_DATA
        mov     $(IRQ_BASE + 8), %al
        out     %al, $PIC2_DATA
        mov     $0x04, %al                      # slave on IRQ 2
        out     %al, $PIC1_DATA
        mov     $0x02, %al                      # slave identity 2
        out     %al, $PIC2_DATA
        mov     $ICW4_8086, %al
        out     %al, $PIC1_DATA
        out     %al, $PIC2_DATA
        mov     $0xfe, %al
        out     %al, $PIC1_DATA
        mov     $0xff, %al
        out     %al, $PIC2_DATA
        mov     $PIT_CH0_LOHI_MODE2, %al
        out     %al, $PIT_COMMAND
        mov     $(PIT_DIVISOR_100HZ & 0xff), %al
        out     %al, $PIT_CHANNEL0
        mov     $(PIT_DIVISOR_100HZ >> 8), %al
        out     %al, $PIT_CHANNEL0
1:      sti
        hlt
        jmp     1b

timer_interrupt:
        push    %ax
        push    %ds
        xor     %ax, %ax
        mov     %ax, %ds
        incw    TICKS
        cmpw    $TICKS_PER_DOT, TICKS
        jb      1f
        movw    $0, TICKS
        mov     $'.', %al
        call    putc16
1:      mov     $OCW2_EOI, %al
        out     %al, $PIC1_COMMAND
        pop     %ds
        pop     %ax
        iret
