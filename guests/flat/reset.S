# Counts its own boots in RAM (which a reset does not clear), prints the count to debugcon
# (port 0xe9), and triple-faults until it has booted three times, then halts. With the machine's
# "onReset": "restart" minivmm prints "123" and exits 0; with "exit" it prints "1" and reports
# the triple fault (exit code 6). 16-bit real mode, loaded and entered at 0000:1000.
        .code16
        .text
        .globl _start
_start:
        mov     boots, %ax
        inc     %ax
        mov     %ax, boots
        add     $'0', %al
        out     %al, $0xe9
        cmp     $'3', %al
        je      done
        lidt    empty_idt               # an IDT limit of 0: every interrupt faults
        int3                            # #GP, then #DF, then shutdown (a triple fault)
done:
        hlt

        .balign 8
empty_idt:
        .word   0                       # limit
        .long   0                       # base

        .set boots, 0x500               # in RAM below the image, zero at power-on
