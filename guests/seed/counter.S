# Seed guest 2 (SEED.md): an endless counter on port 0x10.
# 16-bit real mode; entry CS=0x1000 (base 0x10000) IP=0. Writes 0, 1, 2, ... as 16-bit OUTs
# to port 0x10 until the VMM stops it (instruction/time limit or a device's stopAfter).
        .code16
        .text
        .globl _start
_start:
        xor     %ax, %ax                # 31 c0
1:      out     %ax, $0x10              # e7 10
        inc     %ax                     # 40
        jmp     1b                      # eb fb
