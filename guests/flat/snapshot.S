# The snapshot guest (docs/snapshots.md): a timer-driven loop whose output depends on exact guest
# time, so a run snapshotted mid-way and restored must print what an uninterrupted run prints.
# Programs the 8259A pair (IRQ 0 only) and 8254 channel 0 at 1 kHz, then 160 times: sleeps in HLT
# until the next tick, stirs a checksum over a buffer in RAM, and every 8 ticks prints the tick
# count, channel 0's latched count (which depends on the exact instruction the latch runs at) and
# the checksum. Ends with "done" through isa-debug-exit (exit code 1). 16-bit real mode at 0000:1000.
        .code16
        .set COM1_THR, 0x3f8
        .set COM1_LSR, 0x3fd
        .set LSR_THR_EMPTY, 0x20
        .set PIC1_COMMAND, 0x20
        .set PIC1_DATA, 0x21
        .set PIC2_COMMAND, 0xa0
        .set PIC2_DATA, 0xa1
        .set IRQ_BASE, 0x20
        .set OCW2_EOI, 0x20
        .set PIT_CHANNEL0, 0x40
        .set PIT_COMMAND, 0x43
        .set PIT_CH0_LOHI_MODE2, 0x34
        .set PIT_CH0_LATCH, 0x00
        .set PIT_DIVISOR_1KHZ, 1193
        .set TICKS_WANTED, 160
        .set PRINT_EVERY_MASK, 7
        .set BUFFER, 0x4000             # 256 words the loop stirs (below the stack)
        .set BUFFER_WORDS, 256
        .set STACK_TOP, 0x9000
        .set DEBUG_EXIT_PORT, 0xf4

        .text
        .globl _start
_start:
        cli
        xor     %ax, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $STACK_TOP, %sp
        movw    $timer_interrupt, IRQ_BASE * 4          # IVT entry of IRQ 0
        movw    $0, IRQ_BASE * 4 + 2
        mov     $banner, %si
        call    puts
        # 8259A pair: vectors 0x20/0x28, cascade on IRQ 2, 8086 mode, only IRQ 0 unmasked.
        mov     $0x11, %al
        out     %al, $PIC1_COMMAND
        out     %al, $PIC2_COMMAND
        mov     $IRQ_BASE, %al
        out     %al, $PIC1_DATA
        mov     $(IRQ_BASE + 8), %al
        out     %al, $PIC2_DATA
        mov     $0x04, %al
        out     %al, $PIC1_DATA
        mov     $0x02, %al
        out     %al, $PIC2_DATA
        mov     $0x01, %al
        out     %al, $PIC1_DATA
        out     %al, $PIC2_DATA
        mov     $0xfe, %al
        out     %al, $PIC1_DATA
        mov     $0xff, %al
        out     %al, $PIC2_DATA
        # 8254 channel 0: mode 2, 1 kHz.
        mov     $PIT_CH0_LOHI_MODE2, %al
        out     %al, $PIT_COMMAND
        mov     $(PIT_DIVISOR_1KHZ & 0xff), %al
        out     %al, $PIT_CHANNEL0
        mov     $(PIT_DIVISOR_1KHZ >> 8), %al
        out     %al, $PIT_CHANNEL0

wait_tick:
        sti                                     # the shadow makes "sti; hlt" atomic
        hlt
        cli
        call    stir
        mov     ticks, %ax
        test    $PRINT_EVERY_MASK, %ax
        jnz     1f
        call    report
1:      cmpw    $TICKS_WANTED, ticks
        jb      wait_tick
        mov     $done, %si
        call    puts
        mov     $0, %al
        out     %al, $DEBUG_EXIT_PORT
2:      hlt
        jmp     2b

# stir: checksum = checksum * 33 + word, over the buffer, writing each word back changed.
stir:
        mov     $BUFFER, %bx
        mov     $BUFFER_WORDS, %cx
1:      mov     checksum, %ax
        mov     %ax, %dx
        shl     $5, %ax
        add     %dx, %ax
        add     (%bx), %ax
        add     ticks, %ax
        mov     %ax, checksum
        xor     %cx, (%bx)
        add     %ax, (%bx)
        add     $2, %bx
        loop    1b
        ret

# report: "tick TTTT count CCCC sum SSSS" with channel 0's count latched now.
report:
        mov     $PIT_CH0_LATCH, %al
        out     %al, $PIT_COMMAND
        in      $PIT_CHANNEL0, %al
        mov     %al, %dl
        in      $PIT_CHANNEL0, %al
        mov     %al, %dh
        mov     $tick_text, %si
        call    puts
        mov     ticks, %ax
        call    hex16
        mov     $count_text, %si
        call    puts
        mov     %dx, %ax
        call    hex16
        mov     $sum_text, %si
        call    puts
        mov     checksum, %ax
        call    hex16
        mov     $'\n', %al
        call    putc
        ret

timer_interrupt:
        push    %ax
        incw    %cs:ticks
        mov     $OCW2_EOI, %al
        out     %al, $PIC1_COMMAND
        pop     %ax
        iret

# putc: AL to COM1 (waits for THR empty). puts: the string at SI. hex16: AX as 4 hex digits.
putc:
        push    %dx
        push    %ax
        mov     $COM1_LSR, %dx
1:      in      %dx, %al
        test    $LSR_THR_EMPTY, %al
        jz      1b
        pop     %ax
        mov     $COM1_THR, %dx
        out     %al, %dx
        pop     %dx
        ret
puts:
        push    %ax
1:      lodsb
        test    %al, %al
        jz      2f
        call    putc
        jmp     1b
2:      pop     %ax
        ret
hex16:
        push    %cx
        push    %ax
        mov     $4, %cx
1:      rol     $4, %ax
        push    %ax
        and     $0xf, %al
        add     $'0', %al
        cmp     $'9', %al
        jbe     2f
        add     $('a' - '0' - 10), %al
2:      call    putc
        pop     %ax
        loop    1b
        pop     %ax
        pop     %cx
        ret

ticks:          .word 0
checksum:       .word 0x1234
banner:         .asciz "snapshot guest: 1 kHz timer, 160 ticks\n"
tick_text:      .asciz "tick "
count_text:     .asciz " count "
sum_text:       .asciz " sum "
done:           .asciz "done\n"
