# Checks the A20 gate: with A20 on (power-on), FFFF:0510 is physical 0x100500 and distinct from
# 0000:0500; after the i8042 "disable A20" command and clearing port 0x92 bit 1, it wraps to
# 0x500 as on an 8086. Prints the byte read back at 0000:0500 each time to debugcon (0xe9):
# 0x11 then 0x33. 16-bit real mode at 0000:1000; needs RAM above 1 MiB.
        .code16
        .text
        .globl _start
_start:
        xor     %ax, %ax
        mov     %ax, %ds
        mov     $0xffff, %ax
        mov     %ax, %es
        movb    $0x11, 0x500
        movb    $0x22, %es:0x510        # physical 0x100500 while A20 is on
        mov     0x500, %al
        out     %al, $0xe9
        mov     $0xdd, %al              # i8042: disable A20
        out     %al, $0x64
        in      $0x92, %al              # fast A20 off too (the two are ORed)
        and     $0xfd, %al
        out     %al, $0x92
        movb    $0x33, %es:0x510        # now wraps to physical 0x500
        mov     0x500, %al
        out     %al, $0xe9
        hlt
