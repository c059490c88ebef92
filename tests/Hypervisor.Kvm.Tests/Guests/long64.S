# 64-bit long mode through identity page tables: a 64-bit store/load at 2 MiB + 8, reported as two
# 32-bit OUTs (low half, high half). Loaded at 0x1000, RIP=0x1000.
# link: 0x1000
        .code64
        movabs  $0x123456789abcdef0, %rax
        mov     %rax, 0x200008
        mov     0x200008, %rbx
        mov     %ebx, %eax
        out     %eax, $0x10
        shr     $32, %rbx
        mov     %ebx, %eax
        out     %eax, $0x10
        hlt
