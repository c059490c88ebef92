# Counts its own boots in RAM (which a reset does not clear), prints the count to debugcon
# (port 0xe9), and resets the machine through a different PC reset source on each boot: the
# i8042's pulse-reset command 0xFE on port 0x64, the reset control register 0xcf9 (0x06, hard
# reset), then port 0x92's fast-reset bit. On the fourth boot it halts. Under "onReset": "restart"
# minivmm prints "1234" and exits 0. 16-bit real mode, loaded and entered at 0000:1000.
        .code16
        .text
        .globl _start
_start:
        mov     boots, %ax
        inc     %ax
        mov     %ax, boots
        add     $'0', %al
        out     %al, $0xe9
        cmp     $'1', %al
        je      via_keyboard_controller
        cmp     $'2', %al
        je      via_reset_control
        cmp     $'3', %al
        je      via_port92
        hlt

via_keyboard_controller:
        mov     $0xfe, %al              # pulse the reset line (output port bit 0)
        out     %al, $0x64
        jmp     hang
via_reset_control:
        mov     $0x06, %al              # RST_CPU | SYS_RST: hard reset
        mov     $0xcf9, %dx
        out     %al, %dx
        jmp     hang
via_port92:
        in      $0x92, %al
        or      $0x01, %al              # fast reset
        out     %al, $0x92
hang:   jmp     hang                    # the reset takes effect at once; never reached

        .set boots, 0x500               # in RAM below the image, zero at power-on
