# Conformance guest pciedu: PCI configuration mechanism #1 and QEMU's edu device.
#
# Scans bus 0 through 0xcf8/0xcfc and prints the functions both machines have (the i440FX host
# bridge 8086:1237 at 00:00.0 and the edu device 1234:11e8, which QEMU gets with
# `-device edu,addr=4` and minivmm from configs/conformance/pciedu.json; QEMU's PIIX3 functions
# are skipped). Then, on the edu function: its header, BAR 0 sizing, unimplemented BARs,
# programming BAR 0 and enabling memory decoding, the identification and liveness registers, a
# factorial (and one that wraps at 32 bits), the interrupt raise/acknowledge registers, accesses
# the device refuses (bytes, offsets without a register), a DMA round
# trip from RAM to the device's buffer and back, moving BAR 0 (the registers keep their values at
# the new address) and disabling decoding again. Nothing here relies on firmware: the ROM starts
# at the reset vector with every BAR at 0 and decoding off. Not printed: reads where nothing
# decodes (QEMU's unassigned memory reads 0, minivmm's MMIO bus all ones, as a PC's master abort).
        .include "common.inc"
        .include "pm32.inc"

        .set PCI_CONFIG_ADDRESS, 0xcf8
        .set PCI_CONFIG_DATA, 0xcfc
        .set PCI_ENABLE, 0x80000000
        .set PCI_DEVICE_SHIFT, 11
        .set PCI_COMMAND, 0x04
        .set PCI_REVISION_CLASS, 0x08
        .set PCI_HEADER_TYPE_DWORD, 0x0c
        .set PCI_BAR0, 0x10
        .set PCI_BAR1, 0x14
        .set PCI_INTERRUPT_DWORD, 0x3c
        .set PCI_COMMAND_MEMORY, 0x0002
        .set PCI_COMMAND_BUS_MASTER, 0x0004

        .set HOST_BRIDGE_ID, 0x12378086
        .set EDU_ID, 0x11e81234

        .set EDU_BAR, 0xfe000000        # where this guest puts BAR 0 (1 MiB aligned, below the I/O APIC)
        .set EDU_BAR_MOVED, 0xfd000000
        .set EDU_IDENT, 0x00
        .set EDU_LIVENESS, 0x04
        .set EDU_FACTORIAL, 0x08
        .set EDU_STATUS, 0x20
        .set EDU_IRQ_STATUS, 0x24
        .set EDU_IRQ_RAISE, 0x60
        .set EDU_IRQ_ACK, 0x64
        .set EDU_DMA_SRC, 0x80
        .set EDU_DMA_DST, 0x88
        .set EDU_DMA_COUNT, 0x90
        .set EDU_DMA_CMD, 0x98
        .set EDU_STATUS_COMPUTING, 0x01
        .set EDU_DMA_RUN, 0x01
        .set EDU_DMA_TO_RAM, 0x02
        .set EDU_DMA_IRQ, 0x04
        .set EDU_DMA_BUFFER, 0x40000

        .set DMA_SOURCE, 0x20000        # RAM the device reads
        .set DMA_RESULT, 0x20100        # RAM the device writes back
        .set DMA_LENGTH, 16

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "pciedu\n"
        jmp     enter_pm32

        .text
        .code32
# config_read: EAX = the configuration address (enable | device << 11 | register); returns the dword in EAX.
config_read:
        push    %edx
        mov     $PCI_CONFIG_ADDRESS, %dx
        out     %eax, %dx
        mov     $PCI_CONFIG_DATA, %dx
        in      %dx, %eax
        pop     %edx
        ret

# config_write: EAX = the configuration address, ECX = the dword to write.
config_write:
        push    %edx
        push    %eax
        mov     $PCI_CONFIG_ADDRESS, %dx
        out     %eax, %dx
        mov     $PCI_CONFIG_DATA, %dx
        mov     %ecx, %eax
        out     %eax, %dx
        pop     %eax
        pop     %edx
        ret

# edu_config: EAX = edu's configuration address of register EAX (EBP holds its device << 11 | enable).
.macro EDU_CONFIG register
        mov     %ebp, %eax
        or      $\register, %eax
.endm

# print_function: "00:DD.0 VVVV:DDDD class CCSSPP rev RR" for the function at EBX (enable | device << 11), ID in ESI.
print_function:
        push    %eax
        PUTS32  "found 00:"
        mov     %ebx, %eax
        shr     $PCI_DEVICE_SHIFT, %eax
        and     $0x1f, %eax
        call    hex32_byte
        PUTS32  ".0 "
        mov     %esi, %eax
        call    hex32_word
        mov     $':', %al
        call    putc32
        mov     %esi, %eax
        shr     $16, %eax
        call    hex32_word
        PUTS32  " class "
        mov     %ebx, %eax
        or      $PCI_REVISION_CLASS, %eax
        call    config_read
        push    %eax
        shr     $8, %eax                # class, subclass, interface in bits 23:0
        push    %eax
        shr     $16, %eax
        call    hex32_byte
        pop     %eax
        call    hex32_word
        PUTS32  " rev "
        pop     %eax
        call    hex32_byte
        mov     $'\n', %al
        call    putc32
        pop     %eax
        ret

main32:
        # Scan bus 0, function 0 of each device; remember edu's address in EBP.
        xor     %ebp, %ebp
        mov     $PCI_ENABLE, %ebx
scan:
        mov     %ebx, %eax
        call    config_read
        mov     %eax, %esi
        cmp     $HOST_BRIDGE_ID, %eax
        je      1f
        cmp     $EDU_ID, %eax
        jne     2f
        mov     %ebx, %ebp
1:      call    print_function
2:      add     $(1 << PCI_DEVICE_SHIFT), %ebx
        cmp     $(PCI_ENABLE | (32 << PCI_DEVICE_SHIFT)), %ebx
        jb      scan
        test    %ebp, %ebp
        jnz     have_edu
        PUTS32  "no edu device on bus 0\n"
        mov     $1, %al
        call    exit32

have_edu:
        # Word and byte reads inside CONFIG_DATA: the device ID at 0xcfe, the class byte at 0xcff.
        PUTS32  "device id by word read:"
        EDU_CONFIG 0
        mov     $PCI_CONFIG_ADDRESS, %dx
        out     %eax, %dx
        mov     $(PCI_CONFIG_DATA + 2), %dx
        xor     %eax, %eax
        in      %dx, %ax
        PUTHEX32 %eax
        PUTS32  "\nheader type dword:"
        EDU_CONFIG PCI_HEADER_TYPE_DWORD
        call    config_read
        and     $0x00ff0000, %eax       # the header type; BIST, latency and cache line besides
        PUTHEX32 %eax
        PUTS32  "\ninterrupt pin and line:"
        EDU_CONFIG PCI_INTERRUPT_DWORD
        call    config_read
        and     $0xffff, %eax
        PUTHEX32 %eax
        PUTS32  "\ncommand at reset:"
        EDU_CONFIG PCI_COMMAND
        call    config_read
        and     $0xffff, %eax
        PUTHEX32 %eax
        PUTS32  "\nbar0 at reset:"
        EDU_CONFIG PCI_BAR0
        call    config_read
        PUTHEX32 %eax

        # BAR sizing: all ones in, the size mask out; an unimplemented BAR stays 0.
        PUTS32  "\nbar0 after all ones:"
        EDU_CONFIG PCI_BAR0
        mov     $0xffffffff, %ecx
        call    config_write
        call    config_read
        PUTHEX32 %eax
        PUTS32  "\nbar1 after all ones:"
        EDU_CONFIG PCI_BAR1
        call    config_write
        call    config_read
        PUTHEX32 %eax

        # Place BAR 0, then let the function decode memory and master the bus (for its DMA).
        PUTS32  "\nbar0 programmed:"
        EDU_CONFIG PCI_BAR0
        mov     $EDU_BAR, %ecx
        call    config_write
        call    config_read
        PUTHEX32 %eax
        EDU_CONFIG PCI_COMMAND
        mov     $(PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER), %ecx
        call    config_write
        call    config_read
        and     $0xffff, %eax
        PUTS32  "\ncommand:"
        PUTHEX32 %eax

        mov     $EDU_BAR, %edi
        call    edu_registers

        # DMA: RAM -> the device's buffer, then the buffer -> other RAM, with the DMA interrupt.
        movl    $0x20494350, DMA_SOURCE         # "PCI "
        movl    $0x20414d44, DMA_SOURCE + 4     # "DMA "
        movl    $0x6b726f77, DMA_SOURCE + 8     # "work"
        movl    $0x000a2173, DMA_SOURCE + 12    # "s!\n\0"
        movl    $DMA_SOURCE, EDU_DMA_SRC(%edi)
        movl    $EDU_DMA_BUFFER, EDU_DMA_DST(%edi)
        movl    $DMA_LENGTH, EDU_DMA_COUNT(%edi)
        movl    $EDU_DMA_RUN, EDU_DMA_CMD(%edi)
1:      testl   $EDU_DMA_RUN, EDU_DMA_CMD(%edi)
        jnz     1b
        movl    $EDU_DMA_BUFFER, EDU_DMA_SRC(%edi)
        movl    $DMA_RESULT, EDU_DMA_DST(%edi)
        movl    $(EDU_DMA_RUN | EDU_DMA_TO_RAM | EDU_DMA_IRQ), EDU_DMA_CMD(%edi)
1:      testl   $EDU_DMA_RUN, EDU_DMA_CMD(%edi)
        jnz     1b
        PUTS32  "dma round trip: "
        mov     $DMA_RESULT, %esi
        call    puts32
        PUTS32  "dma command after:"
        PUTHEX32 EDU_DMA_CMD(%edi)
        PUTS32  "\ninterrupt status after dma:"
        PUTHEX32 EDU_IRQ_STATUS(%edi)
        movl    $0x100, EDU_IRQ_ACK(%edi)

        # Move BAR 0 while decoding is on: the same registers answer at the new address.
        EDU_CONFIG PCI_BAR0
        mov     $EDU_BAR_MOVED, %ecx
        call    config_write
        PUTS32  "\nbar0 moved:"
        call    config_read
        PUTHEX32 %eax
        mov     $EDU_BAR_MOVED, %edi
        PUTS32  "\nidentification at the new address:"
        PUTHEX32 EDU_IDENT(%edi)
        PUTS32  "\nliveness kept:"
        PUTHEX32 EDU_LIVENESS(%edi)

        # Decoding off: the BAR keeps its address.
        EDU_CONFIG PCI_COMMAND
        xor     %ecx, %ecx
        call    config_write
        PUTS32  "\ndecoding off, bar0:"
        EDU_CONFIG PCI_BAR0
        call    config_read
        PUTHEX32 %eax
        PUTS32  "\ndone\n"
        xor     %al, %al
        call    exit32

# edu_registers: the BAR 0 registers at EDI.
edu_registers:
        PUTS32  "\nidentification:"
        PUTHEX32 EDU_IDENT(%edi)
        PUTS32  "\nliveness of 12345678:"
        movl    $0x12345678, EDU_LIVENESS(%edi)
        PUTHEX32 EDU_LIVENESS(%edi)
        PUTS32  "\nfactorial of 10:"
        mov     $10, %eax
        call    factorial
        PUTHEX32 %eax
        PUTS32  "\nfactorial of 13 (wraps):"
        mov     $13, %eax
        call    factorial
        PUTHEX32 %eax
        PUTS32  "\nraise 5, interrupt status:"
        movl    $5, EDU_IRQ_RAISE(%edi)
        PUTHEX32 EDU_IRQ_STATUS(%edi)
        PUTS32  "\nacknowledge 1:"
        movl    $1, EDU_IRQ_ACK(%edi)
        PUTHEX32 EDU_IRQ_STATUS(%edi)
        PUTS32  "\nacknowledge 4:"
        movl    $4, EDU_IRQ_ACK(%edi)
        PUTHEX32 EDU_IRQ_STATUS(%edi)
        # Only dword accesses below 0x80: QEMU's memory core refuses a byte access (it reads 0,
        # a byte write is dropped); offsets without a register read all ones.
        PUTS32  "\nbyte read of identification:"
        xor     %eax, %eax
        movb    EDU_IDENT(%edi), %al
        PUTHEX32 %eax
        PUTS32  "\nbyte write to liveness, then:"
        movb    $0x11, EDU_LIVENESS(%edi)
        PUTHEX32 EDU_LIVENESS(%edi)
        PUTS32  "\nno register at 0x0c:"
        PUTHEX32 0x0c(%edi)
        PUTS32  "\nhigh half of the dma source at 0x84:"
        PUTHEX32 0x84(%edi)
        mov     $'\n', %al
        call    putc32
        ret

# factorial: EAX = n; returns n! (mod 2^32) from the device at EDI once it is no longer computing.
factorial:
        mov     %eax, EDU_FACTORIAL(%edi)
1:      testl   $EDU_STATUS_COMPUTING, EDU_STATUS(%edi)
        jnz     1b
        mov     EDU_FACTORIAL(%edi), %eax
        ret
