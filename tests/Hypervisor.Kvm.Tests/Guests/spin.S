# Spins without ever exiting, so only RequestExit's signal can bring the vCPU back.
# Real mode, loaded at 0x1000, CS=0, IP=0x1000.
# link: 0x1000
        .code16
        mov     $1, %al
        out     %al, $0x10
spin:   jmp     spin
