# The hot-swap guest (docs/snapshots.md): counts 1, 2, 3, ... forever, writing each number to the
# swap-probe test device at port 0x700 and reading back the device's own count of writes. Should
# a swap lose or repeat a write, the two differ and the guest stops through isa-debug-exit with 1
# (exit code 3). Between writes it spins, so a person (or a test) can swap the plugin meanwhile.
# 16-bit real mode, loaded and entered at 0000:1000.
        .code16
        .set PROBE_PORT, 0x700
        .set DEBUG_EXIT_PORT, 0xf4
        .set DELAY, 200000              # instructions' worth of spinning between writes

        .text
        .globl _start
_start:
        xor     %ebx, %ebx
next:
        inc     %ebx
        mov     $PROBE_PORT, %dx
        mov     %ebx, %eax
        out     %eax, %dx               # the probe counts it and prints a line
        in      %dx, %eax               # its count of writes so far
        cmp     %ebx, %eax
        jne     lost
        mov     $DELAY, %ecx
1:      dec     %ecx
        jnz     1b
        jmp     next
lost:
        mov     $1, %al
        out     %al, $DEBUG_EXIT_PORT
2:      hlt
        jmp     2b
