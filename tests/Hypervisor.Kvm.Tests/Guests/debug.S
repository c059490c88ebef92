# For the debugger scenario (KVM_SET_GUEST_DEBUG): a loop that adds 1 to a word in memory, so a
# breakpoint, a single step and a write watchpoint each have something to stop at; port 0x10 says
# where it is. Real mode, loaded at 0x1000, CS=DS=0, IP=0x1000.
# link: 0x1000
        .code16
        movw    $0, 0x2000
        mov     $1, %al
        out     %al, $0x10          # 0x1008: started
loop:   incw    0x2000              # 0x100a: the watched write
        nop                         # 0x100e
        jmp     loop
