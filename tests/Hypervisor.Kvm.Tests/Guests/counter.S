# Seed guest 2: an endless counter written as 16-bit OUTs to port 0x10.
# Real mode, loaded at 0x10000, CS=0x1000, IP=0.
# link: 0x0
        .code16
        xor     %ax, %ax
loop:   out     %ax, $0x10
        inc     %ax
        jmp     loop
