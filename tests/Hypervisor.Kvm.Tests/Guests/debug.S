# For the debugger scenario (KVM_SET_GUEST_DEBUG): a loop that adds 1 to a dword in memory, so a
# breakpoint, a single step and a write watchpoint each have something to stop at; port 0x10 says
# where it is. 32-bit flat protected mode (the Multiboot entry state): real mode would be run by
# KVM's instruction emulator where the host lacks unrestricted guest (nested), which delivers an
# INT3 to the guest instead of to the debugger. Loaded at 0x1000, EIP=0x1000.
# link: 0x1000
        .code32
        movl    $0, 0x2000
        mov     $1, %al
        out     %al, $0x10          # 0x100c: started
loop:   incl    0x2000              # 0x100e: the watched write
        nop                         # 0x1014
        jmp     loop                # 0x1015
