# A master boot record for the IDE disk tests (tests/EndToEnd.Tests/IdeDiskBootTests.cs): the
# BIOS loads it at 0x7c00 and jumps to it with the boot drive in DL. It says so on COM1, reads
# LBA 1 through the EDD call (int 13h AH=42h, the path syslinux and GRUB use), prints the
# NUL-terminated message the test put there, and exits through isa-debug-exit: 0x10 (exit code
# 33) when the read worked, 0x01 (exit code 3) when it failed.
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
    sti
    mov %dl, drive
    mov $hello, %si
    call puts
    mov $dap, %si
    mov drive, %dl
    mov $0x42, %ah
    int $0x13
    jc failed
    mov $0x8000, %si
    call puts
    mov $0x10, %al
    out %al, $0xf4
    hlt
failed:
    mov $failure, %si
    call puts
    mov $0x01, %al
    out %al, $0xf4
    hlt

# puts: writes the string at DS:SI to COM1, polling the transmitter-empty bit.
puts:
    lodsb
    test %al, %al
    jz 2f
    mov %al, %ah
    mov $0x3fd, %dx
1:  in %dx, %al
    test $0x20, %al
    jz 1b
    mov $0x3f8, %dx
    mov %ah, %al
    out %al, %dx
    jmp puts
2:  ret

drive:
    .byte 0
    .balign 4
# The disk address packet: 16 bytes, one sector, to 0000:8000, from LBA 1.
dap:
    .byte 0x10, 0
    .word 1
    .word 0x8000, 0
    .quad 1
hello:
    .asciz "mbr-hello: booted from the disk\r\n"
failure:
    .asciz "mbr-hello: the int 13h read failed\r\n"
    .org 510
    .byte 0x55, 0xaa
