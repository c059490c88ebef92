# A master boot record for the PIIX4 PM test (tests/MiniVmm.Tests/IdeDiskBootTests.cs): booted by
# SeaBIOS from the IDE disk, it reads PMBA from the PIIX4 PM function (00:01.3, register 0x40)
# through configuration mechanism #1, prints it, checks that the PM timer at PMBA + 8 counts, and
# powers the machine off through PM1a_CNT (PMBA + 4): SLP_TYP 0 (S5, QEMU's \_S5) with SLP_EN.
# minivmm then ends with 0. A stuck timer exits through isa-debug-exit with 0x01 (exit code 3), a
# machine still running after S5 with 0x02 (exit code 5).
    .code16
    .text
    .globl _start
_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0x7c00, %sp
    mov $0x80000b40, %eax       # enable, bus 0, device 1, function 3, register 0x40 (PMBA)
    mov $0xcf8, %dx
    outl %eax, %dx
    mov $0xcfc, %dx
    inl %dx, %eax
    mov %ax, pmba
    mov $pmba_is, %si
    call puts
    mov pmba, %ax
    call puthex
    mov $newline, %si
    call puts

    mov pmba, %dx
    and $0xffc0, %dx
    add $8, %dx                 # PM_TMR
    inl %dx, %eax
    mov %eax, %ebx
    mov $20000, %cx
1:  loop 1b
    inl %dx, %eax
    cmp %eax, %ebx
    je stuck
    mov $counts, %si
    call puts

    mov pmba, %dx
    and $0xffc0, %dx
    add $4, %dx                 # PM1a_CNT
    mov $0x2001, %ax            # SLP_EN | SLP_TYP 0 | SCI_EN
    out %ax, %dx
    mov $running, %si
    call puts
    mov $0x02, %al
    out %al, $0xf4
    hlt
stuck:
    mov $stuck_msg, %si
    call puts
    mov $0x01, %al
    out %al, $0xf4
    hlt

# puthex: writes AX as four hexadecimal digits to COM1.
puthex:
    mov $4, %cx
2:  rol $4, %ax
    push %ax
    and $0xf, %al
    add $'0', %al
    cmp $'9', %al
    jbe 3f
    add $('a' - '9' - 1), %al
3:  call putc
    pop %ax
    loop 2b
    ret

# puts: writes the string at DS:SI to COM1.
puts:
    lodsb
    test %al, %al
    jz 4f
    call putc
    jmp puts
4:  ret

# putc: writes AL to COM1, polling the transmitter-empty bit.
putc:
    push %dx
    mov %al, %ah
    mov $0x3fd, %dx
5:  in %dx, %al
    test $0x20, %al
    jz 5b
    mov $0x3f8, %dx
    mov %ah, %al
    out %al, %dx
    pop %dx
    ret

pmba:
    .word 0
pmba_is:
    .asciz "mbr-poweroff: PMBA 0x"
newline:
    .asciz "\r\n"
counts:
    .asciz "mbr-poweroff: the PM timer counts; entering S5\r\n"
running:
    .asciz "mbr-poweroff: still running after S5\r\n"
stuck_msg:
    .asciz "mbr-poweroff: the PM timer does not count\r\n"
    .org 510
    .byte 0x55, 0xaa
