# An interrupt through KVM's in-kernel i8259: the guest programs the master PIC (vectors 0x08-0x0f),
# unmasks IRQ 4, reports ready on port 0x10 and halts; the handler for IRQ 4 writes 0x99 to port 0x10.
# Real mode, loaded at 0x1000, CS=DS=SS=0, IP=0x1000, SP=0x1000.
# link: 0x1000
        .code16
        cli
        movw    $isr, 0x0c * 4          # IVT entry of vector 0x0c (IRQ 4): offset
        movw    $0, 0x0c * 4 + 2        # and segment
        mov     $0x11, %al              # ICW1: edge triggered, cascade, ICW4 follows
        out     %al, $0x20
        mov     $0x08, %al              # ICW2: vector base 0x08
        out     %al, $0x21
        mov     $0x04, %al              # ICW3: slave on IRQ 2
        out     %al, $0x21
        mov     $0x01, %al              # ICW4: 8086 mode
        out     %al, $0x21
        mov     $0xef, %al              # OCW1: mask all but IRQ 4
        out     %al, $0x21
        mov     $1, %al
        out     %al, $0x10              # ready
        sti
wait:   hlt
        jmp     wait
isr:    mov     $0x99, %al
        out     %al, $0x10
        mov     $0x20, %al              # non-specific EOI
        out     %al, $0x20
        iret
