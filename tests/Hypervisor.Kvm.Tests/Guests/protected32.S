# 32-bit flat protected mode (the Multiboot entry state): a 32-bit OUT and a load above 1 MiB.
# Loaded at 0x1000, EIP=0x1000.
# link: 0x1000
        .code32
        mov     $0xdeadbeef, %eax
        mov     %eax, 0x100000          # RAM above 1 MiB, reachable only with 32-bit addressing
        mov     0x100000, %ebx
        mov     %ebx, %eax
        out     %eax, $0x10
        hlt
