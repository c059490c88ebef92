# Seed guest 1 (SEED.md): add two registers and print the sum over the serial port.
# 16-bit real mode, loaded at guest physical 0x1000; entry CS=0 IP=0x1000, AX=2, BX=2.
# Expected: the UART at 0x3f8 receives "4\n", then the vCPU exits on HLT.
        .code16
        .text
        .globl _start
_start:
        mov     $0x3f8, %dx             # ba f8 03   COM1 transmit holding register
        add     %bl, %al                # 00 d8      al = 2 + 2
        add     $'0', %al               # 04 30      to ASCII
        out     %al, (%dx)              # ee
        mov     $'\n', %al              # b0 0a
        out     %al, (%dx)              # ee
        hlt                             # f4
