# Seed guest 1: adds two registers and prints the digit and a newline on port 0x3f8.
# Real mode, loaded at 0x1000, CS=0, IP=0x1000, AX=2, BX=2.
# link: 0x1000
        .code16
        mov     $0x3f8, %dx
        add     %bl, %al
        add     $'0', %al
        out     %al, (%dx)
        mov     $'\n', %al
        out     %al, (%dx)
        hlt
