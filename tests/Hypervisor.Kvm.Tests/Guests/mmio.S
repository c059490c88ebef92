# An MMIO read completed by the VMM, then an MMIO write. 0x3000 is not RAM.
# Real mode, loaded at 0x1000, CS=DS=0, IP=0x1000.
# link: 0x1000
        .code16
        mov     0x3000, %al             # MMIO read: the VMM supplies the byte
        out     %al, $0x10              # report what the read returned
        movw    $0xbeef, 0x3008         # MMIO write of 2 bytes
        hlt
