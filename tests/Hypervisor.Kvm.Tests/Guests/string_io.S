# String I/O: REP OUTSB of four bytes, then REP INSB of two bytes the VMM supplies.
# Real mode, loaded at 0x1000, CS=DS=ES=0, IP=0x1000.
# link: 0x1000
        .code16
        cld
        mov     $message, %si
        mov     $4, %cx
        mov     $0x3f8, %dx
        rep outsb                       # one exit: count 4, data "KVM!"
        mov     $buffer, %di
        mov     $2, %cx
        mov     $0x60, %dx
        rep insb                        # one exit: count 2; the VMM fills the data
        mov     buffer, %ax
        out     %ax, $0x10              # report the two bytes read
        hlt
message: .ascii "KVM!"
buffer:  .word 0
