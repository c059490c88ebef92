# Test guest virtioirq: a virtio-blk device on virtio-mmio at 0xd0000 driven by its interrupt, IRQ 5
# of KVM's in-kernel 8259 (configs/virtio-irq.json, "irqchip": "kernel"), made level-triggered
# through the ELCR as a PCI INTx is. On KVM with irqfd, minivmm raises the line with an eventfd
# write, and the kernel lowers it at the guest's EOI and asks minivmm (the resample eventfd) whether
# to raise it again; without irqfd the line goes through KVM_IRQ_LINE. Either way the guest must see
# exactly one interrupt per request and none without a status bit (a line left high after the
# acknowledge would storm a level-triggered input).
#
# Real mode throughout (KVM's instruction emulator, which runs this on a PVM host, has no
# protected-mode IRET), so the window sits below 1 MiB: FS = its segment, ES = the rings' (0x20000).
# It negotiates VERSION_1, sets up queue 0 (8 entries), then reads sector 1 REQUESTS times, each time
# notifying the queue with interrupts off and sleeping in STI; HLT until the handler (read and
# acknowledge the interrupt status, EOI) has counted the request's interrupt. Then it prints the
# counts and the last request's result and ends with isa-debug-exit status 0 (exit code 1).
        .include "common.inc"

        .set VIRTIO_SEGMENT, 0xd000     # the window at 0xd0000
        .set DEVICE_ID, 0x008
        .set DRIVER_FEATURES, 0x020
        .set DRIVER_FEATURES_SEL, 0x024
        .set QUEUE_SEL, 0x030
        .set QUEUE_NUM, 0x038
        .set QUEUE_READY, 0x044
        .set QUEUE_NOTIFY, 0x050
        .set INTERRUPT_STATUS, 0x060
        .set INTERRUPT_ACK, 0x064
        .set STATUS, 0x070
        .set QUEUE_DESC_LOW, 0x080
        .set QUEUE_DRIVER_LOW, 0x090
        .set QUEUE_DEVICE_LOW, 0x0a0

        .set STATUS_ACK_DRIVER, 0x03
        .set STATUS_FEATURES_OK, 0x0b
        .set STATUS_DRIVER_OK, 0x0f
        .set VERSION_1_HIGH, 0x1        # feature bit 32

        .set DESC_NEXT, 1
        .set DESC_WRITE, 2
        .set BLK_IN, 0

        .set QUEUE_SIZE, 8
        .set RING_SEGMENT, 0x2000       # everything the device reads or writes, at 0x20000
        .set RING_BASE, 0x20000
        .set RING_DESC, 0x000           # offsets in RING_SEGMENT
        .set RING_AVAIL, 0x100
        .set RING_USED, 0x200
        .set REQ_HEADER, 0x1000
        .set REQ_DATA, 0x2000
        .set REQ_STATUS, 0x3000

        .set INTERRUPTS, 0x600          # counters (DS = 0)
        .set EMPTY_INTERRUPTS, 0x604

        .set REQUESTS, 32
        .set IRQ, 5
        .set VECTOR, 0x08 + IRQ         # the master 8259's vectors at 0x08, as a PC BIOS sets them
        .set PIC1_COMMAND, 0x20
        .set ELCR1, 0x4d0               # edge/level control of IRQ 0-7
        .set EOI, 0x20

        .section .text16, "ax"
        .code16
# irq_handler: acknowledge what the device reports, count it (or an interrupt without status), EOI.
irq_handler:
        push    %eax
        movl    %fs:INTERRUPT_STATUS, %eax
        movl    %eax, %fs:INTERRUPT_ACK
        test    %eax, %eax
        jnz     1f
        incl    EMPTY_INTERRUPTS
        jmp     2f
1:      incl    INTERRUPTS
2:      mov     $EOI, %al
        out     %al, $PIC1_COMMAND
        pop     %eax
        iret

# descriptor: DI = descriptor index, EAX = address, ECX = length, EDX = flags | next << 16.
descriptor:
        push    %di
        shl     $4, %di
        movl    %eax, %es:RING_DESC(%di)
        movl    $0, %es:RING_DESC + 4(%di)
        movl    %ecx, %es:RING_DESC + 8(%di)
        movl    %edx, %es:RING_DESC + 12(%di)
        pop     %di
        ret

# puthex: " " and EAX in hex.
puthex:
        push    %ax
        mov     $' ', %al
        call    putc16
        pop     %ax
        jmp     hex16_dword

main16:
        PUTS16  "virtioirq\n"
        movw    $irq_handler, VECTOR * 4
        movw    $ROM_SEGMENT, VECTOR * 4 + 2
        movl    $0, INTERRUPTS
        movl    $0, EMPTY_INTERRUPTS
        mov     $0x11, %al                      # ICW1: cascade, ICW4 follows
        out     %al, $PIC1_COMMAND
        mov     $0x08, %al                      # ICW2: vectors 0x08-0x0f
        out     %al, $PIC1_DATA
        mov     $0x04, %al                      # ICW3: slave on IRQ 2
        out     %al, $PIC1_DATA
        mov     $0x01, %al                      # ICW4: 8086 mode
        out     %al, $PIC1_DATA
        mov     $(~(1 << IRQ)) & 0xff, %al      # OCW1: only IRQ 5
        out     %al, $PIC1_DATA
        mov     $ELCR1, %dx                     # IRQ 5 level-triggered
        mov     $1 << IRQ, %al
        out     %al, %dx

        mov     $VIRTIO_SEGMENT, %ax
        mov     %ax, %fs
        mov     $RING_SEGMENT, %ax
        mov     %ax, %es
        PUTS16  "device"
        movl    %fs:DEVICE_ID, %eax
        call    puthex
        movl    $0, %fs:STATUS
        movl    $STATUS_ACK_DRIVER, %fs:STATUS
        movl    $1, %fs:DRIVER_FEATURES_SEL
        movl    $VERSION_1_HIGH, %fs:DRIVER_FEATURES
        movl    $0, %fs:DRIVER_FEATURES_SEL
        movl    $0, %fs:DRIVER_FEATURES
        movl    $STATUS_FEATURES_OK, %fs:STATUS
        movl    $0, %fs:QUEUE_SEL
        mov     $RING_DESC, %di                 # rings: zero
        mov     $0x300 / 4, %cx
        xor     %eax, %eax
        rep stosl
        movl    $QUEUE_SIZE, %fs:QUEUE_NUM
        movl    $RING_BASE + RING_DESC, %fs:QUEUE_DESC_LOW
        movl    $RING_BASE + RING_AVAIL, %fs:QUEUE_DRIVER_LOW
        movl    $RING_BASE + RING_USED, %fs:QUEUE_DEVICE_LOW
        movl    $1, %fs:QUEUE_READY
        movl    $STATUS_DRIVER_OK, %fs:STATUS
        PUTS16  " status"
        movl    %fs:STATUS, %eax
        call    puthex
        PUTS16  "\n"

        # One chain for every request: header, 512 data bytes, status byte.
        movl    $BLK_IN, %es:REQ_HEADER
        movl    $0, %es:REQ_HEADER + 4
        movl    $1, %es:REQ_HEADER + 8
        movl    $0, %es:REQ_HEADER + 12
        xor     %di, %di
        mov     $RING_BASE + REQ_HEADER, %eax
        mov     $16, %ecx
        mov     $DESC_NEXT | 1 << 16, %edx
        call    descriptor
        inc     %di
        mov     $RING_BASE + REQ_DATA, %eax
        mov     $512, %ecx
        mov     $DESC_WRITE | DESC_NEXT | 2 << 16, %edx
        call    descriptor
        inc     %di
        mov     $RING_BASE + REQ_STATUS, %eax
        mov     $1, %ecx
        mov     $DESC_WRITE, %edx
        call    descriptor

        xor     %esi, %esi                      # requests made
next_request:
        movb    $0xff, %es:REQ_STATUS
        mov     %si, %bx
        and     $QUEUE_SIZE - 1, %bx
        shl     $1, %bx
        movw    $0, %es:RING_AVAIL + 4(%bx)
        inc     %esi
        mov     %si, %es:RING_AVAIL + 2
        cli
        movl    $0, %fs:QUEUE_NOTIFY
1:      cmp     %esi, INTERRUPTS                # this request's interrupt taken?
        jae     2f
        sti                                     # STI's shadow: the interrupt cannot slip in before HLT
        hlt
        cli
        jmp     1b
2:      sti
        cmp     $REQUESTS, %esi
        jb      next_request

        PUTS16  "interrupts"
        movl    INTERRUPTS, %eax
        call    puthex
        PUTS16  " without status"
        movl    EMPTY_INTERRUPTS, %eax
        call    puthex
        PUTS16  " used"
        movzwl  %es:RING_USED + 2, %eax
        call    puthex
        PUTS16  " status"
        movzbl  %es:REQ_STATUS, %eax
        call    puthex
        PUTS16  " text "
        mov     $REQ_DATA, %si
3:      movb    %es:(%si), %al                  # the sector's text, up to its NUL
        test    %al, %al
        jz      4f
        call    putc16
        inc     %si
        jmp     3b
4:      xor     %al, %al
        jmp     exit16
