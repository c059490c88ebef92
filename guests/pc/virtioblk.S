# Test guest virtioblk: a minimal virtio driver for a virtio-blk device on virtio-mmio at
# 0xd0000000 (configs/virtio-blk.json). No firmware, no interrupts: after each notification it polls
# the interrupt status until the device answered (on its I/O thread, or through KVM's ioeventfd).
#
# It checks the registers (magic, version 2, device 2), negotiates VERSION_1 alone, sets up queue 0
# (8 entries) and runs requests as Linux's driver builds them (header, data, status byte): read
# sector 1 and print its text, write "written by the guest" to sector 2, FLUSH, GET_ID. Then it
# hands in a descriptor outside RAM, which must set NEEDS_RESET (0x40) with a configuration
# interrupt (2), and resets the device. Each step prints its status so the test can compare; it
# ends with isa-debug-exit status 0 (exit code 1).
        .include "common.inc"
        .include "pm32.inc"

        .set VIRTIO, 0xd0000000
        .set MAGIC, 0x000
        .set VERSION, 0x004
        .set DEVICE_ID, 0x008
        .set DEVICE_FEATURES, 0x010
        .set DEVICE_FEATURES_SEL, 0x014
        .set DRIVER_FEATURES, 0x020
        .set DRIVER_FEATURES_SEL, 0x024
        .set QUEUE_SEL, 0x030
        .set QUEUE_NUM_MAX, 0x034
        .set QUEUE_NUM, 0x038
        .set QUEUE_READY, 0x044
        .set QUEUE_NOTIFY, 0x050
        .set INTERRUPT_STATUS, 0x060
        .set INTERRUPT_ACK, 0x064
        .set STATUS, 0x070
        .set QUEUE_DESC_LOW, 0x080
        .set QUEUE_DESC_HIGH, 0x084
        .set QUEUE_DRIVER_LOW, 0x090
        .set QUEUE_DRIVER_HIGH, 0x094
        .set QUEUE_DEVICE_LOW, 0x0a0
        .set QUEUE_DEVICE_HIGH, 0x0a4
        .set CONFIG_CAPACITY, 0x100

        .set STATUS_ACK_DRIVER, 0x03
        .set STATUS_FEATURES_OK, 0x0b
        .set STATUS_DRIVER_OK, 0x0f
        .set VERSION_1_HIGH, 0x1        # feature bit 32

        .set DESC_NEXT, 1
        .set DESC_WRITE, 2
        .set BLK_IN, 0
        .set BLK_OUT, 1
        .set BLK_FLUSH, 4
        .set BLK_GET_ID, 8

        .set QUEUE_SIZE, 8
        .set RING_DESC, 0x20000         # 8 descriptors of 16 bytes
        .set RING_AVAIL, 0x20100        # flags, idx, ring[8], used_event
        .set RING_USED, 0x20200         # flags, idx, ring[8] of {id, len}, avail_event
        .set REQ_HEADER, 0x21000
        .set REQ_DATA, 0x22000
        .set REQ_STATUS, 0x23000
        .set NOT_RAM, 0x80000000

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "virtioblk\n"
        jmp     enter_pm32

        .text
        .code32
newline:
        push    %eax
        mov     $'\n', %al
        call    putc32
        pop     %eax
        ret

# descriptor: EDI = descriptor index, EAX = address, ECX = length, EDX = flags | next << 16.
descriptor:
        push    %edi
        shl     $4, %edi
        add     $RING_DESC, %edi
        mov     %eax, (%edi)
        movl    $0, 4(%edi)
        mov     %ecx, 8(%edi)
        mov     %edx, 12(%edi)
        pop     %edi
        ret

# submit: makes the chain at descriptor 0 available, notifies queue 0 and prints
# " used LEN status SS isr II" (acknowledging the interrupt).
submit:
        movzwl  avail_index, %eax
        mov     %eax, %ecx
        and     $QUEUE_SIZE - 1, %ecx
        movw    $0, RING_AVAIL + 4(,%ecx,2)
        inc     %eax
        mov     %ax, avail_index
        mov     %ax, RING_AVAIL + 2
        movl    $0, QUEUE_NOTIFY(%ebx)
        # The device may answer on its own thread (virtio-blk's I/O thread, KVM's ioeventfd): wait
        # for the interrupt status, which it sets after the used ring (or, for a broken chain, NEEDS_RESET's config bit).
2:      testl   $3, INTERRUPT_STATUS(%ebx)
        jz      2b
        movzwl  RING_USED + 2, %ecx
        cmp     %ax, %cx
        je      1f
        PUTS32  " nothing used"
        ret
1:      dec     %ecx
        and     $QUEUE_SIZE - 1, %ecx
        PUTS32  " used"
        lea     RING_USED + 8(,%ecx,8), %eax
        PUTHEX32 (%eax)
        PUTS32  " status"
        movzbl  REQ_STATUS, %eax
        PUTHEX32 %eax
        PUTS32  " isr"
        mov     INTERRUPT_STATUS(%ebx), %eax
        mov     %eax, INTERRUPT_ACK(%ebx)
        PUTHEX32 %eax
        ret

# request: EAX = type, ECX = sector, ESI = data length (0: none), EDX = the data descriptor's flags.
request:
        mov     %eax, REQ_HEADER
        movl    $0, REQ_HEADER + 4
        mov     %ecx, REQ_HEADER + 8
        movl    $0, REQ_HEADER + 12
        movb    $0xff, REQ_STATUS
        push    %edx
        xor     %edi, %edi
        mov     $REQ_HEADER, %eax
        mov     $16, %ecx
        mov     $DESC_NEXT | 1 << 16, %edx
        call    descriptor
        pop     %edx
        inc     %edi
        test    %esi, %esi
        jz      1f
        mov     $REQ_DATA, %eax
        mov     %esi, %ecx
        or      $DESC_NEXT | 2 << 16, %edx
        call    descriptor
        inc     %edi
1:      mov     $REQ_STATUS, %eax
        mov     $1, %ecx
        mov     $DESC_WRITE, %edx
        call    descriptor
        jmp     submit

# clear_data: zero the 512-byte data buffer.
clear_data:
        push    %edi
        push    %ecx
        push    %eax
        mov     $REQ_DATA, %edi
        mov     $128, %ecx
        xor     %eax, %eax
        rep stosl
        pop     %eax
        pop     %ecx
        pop     %edi
        ret

main32:
        mov     $VIRTIO, %ebx
        PUTS32  "magic"
        PUTHEX32 MAGIC(%ebx)
        PUTS32  " version"
        PUTHEX32 VERSION(%ebx)
        PUTS32  " device"
        PUTHEX32 DEVICE_ID(%ebx)
        PUTS32  " capacity"
        PUTHEX32 CONFIG_CAPACITY(%ebx)
        call    newline

        movl    $0, STATUS(%ebx)
        movl    $STATUS_ACK_DRIVER, STATUS(%ebx)
        movl    $1, DEVICE_FEATURES_SEL(%ebx)
        PUTS32  "features high"
        PUTHEX32 DEVICE_FEATURES(%ebx)
        movl    $1, DRIVER_FEATURES_SEL(%ebx)
        movl    $VERSION_1_HIGH, DRIVER_FEATURES(%ebx)
        movl    $0, DRIVER_FEATURES_SEL(%ebx)
        movl    $0, DRIVER_FEATURES(%ebx)
        movl    $STATUS_FEATURES_OK, STATUS(%ebx)
        PUTS32  " status"
        PUTHEX32 STATUS(%ebx)

        movl    $0, QUEUE_SEL(%ebx)
        PUTS32  " queue max"
        PUTHEX32 QUEUE_NUM_MAX(%ebx)
        mov     $RING_DESC, %edi                # rings: zero
        mov     $0x300 / 4, %ecx
        xor     %eax, %eax
        rep stosl
        movl    $QUEUE_SIZE, QUEUE_NUM(%ebx)
        movl    $RING_DESC, QUEUE_DESC_LOW(%ebx)
        movl    $0, QUEUE_DESC_HIGH(%ebx)
        movl    $RING_AVAIL, QUEUE_DRIVER_LOW(%ebx)
        movl    $0, QUEUE_DRIVER_HIGH(%ebx)
        movl    $RING_USED, QUEUE_DEVICE_LOW(%ebx)
        movl    $0, QUEUE_DEVICE_HIGH(%ebx)
        movl    $1, QUEUE_READY(%ebx)
        movl    $STATUS_DRIVER_OK, STATUS(%ebx)
        PUTS32  " ready"
        PUTHEX32 QUEUE_READY(%ebx)
        call    newline

        PUTS32  "read sector 1:"
        call    clear_data
        mov     $BLK_IN, %eax
        mov     $1, %ecx
        mov     $512, %esi
        mov     $DESC_WRITE, %edx
        call    request
        PUTS32  " text "
        mov     $REQ_DATA, %esi
        call    puts32

        PUTS32  "write sector 2:"
        call    clear_data
        mov     $written, %esi
        mov     $REQ_DATA, %edi
        mov     $written_end - written, %ecx
        rep movsb
        mov     $BLK_OUT, %eax
        mov     $2, %ecx
        mov     $512, %esi
        xor     %edx, %edx
        call    request
        call    newline

        PUTS32  "flush:"
        mov     $BLK_FLUSH, %eax
        xor     %ecx, %ecx
        xor     %esi, %esi
        call    request
        call    newline

        PUTS32  "get id:"
        call    clear_data
        mov     $BLK_GET_ID, %eax
        xor     %ecx, %ecx
        mov     $20, %esi
        mov     $DESC_WRITE, %edx
        call    request
        PUTS32  " id "
        mov     $REQ_DATA, %esi
        call    puts32
        call    newline

        PUTS32  "descriptor outside RAM:"
        xor     %edi, %edi
        mov     $NOT_RAM, %eax
        mov     $16, %ecx
        mov     $DESC_NEXT | 1 << 16, %edx
        call    descriptor
        call    submit
        PUTS32  " device status"
        PUTHEX32 STATUS(%ebx)
        PUTS32  " isr"
        PUTHEX32 INTERRUPT_STATUS(%ebx)
        call    newline

        PUTS32  "reset:"
        movl    $0, STATUS(%ebx)
        PUTHEX32 STATUS(%ebx)
        PUTHEX32 QUEUE_READY(%ebx)
        call    newline

        xor     %al, %al
        jmp     exit32

        .section .rodata
written:
        .ascii  "written by the guest\n"
written_end:

        .bss
avail_index:
        .word   0
