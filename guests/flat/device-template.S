# The guest of the `dotnet new minivmm-device` template (templates/minivmm-device, packed as
# guest/device-template.bin): reads the template device's scratch register at port 0x700 (its
# "initial" option), adds one, writes it back, reads it again and reports that value through
# isa-debug-exit (port 0xf4). With "initial": 41 minivmm exits (42 << 1) | 1 = 85 only if the
# plugin kept the value; an unclaimed port reads 0xff. 16-bit real mode, loaded and entered at 0000:1000.
        .code16
        .text
        .globl _start
_start:
        mov     $0x700, %dx             # the scratch register (the machine file's "ports")
        in      %dx, %al
        inc     %al
        out     %al, %dx
        xor     %al, %al                # what comes next is the device's, not a leftover
        in      %dx, %al
        out     %al, $0xf4              # isa-debug-exit: status (al << 1) | 1
        hlt
