# A stand-in for a Linux bzImage: the real-mode setup with a boot protocol 2.15 header and a
# small protected-mode "kernel" after it. Booted by SeaBIOS through QEMU's linuxboot_dma.bin
# option ROM (fw_cfg hands it the setup, kernel and command line), it is entered at
# setup segment + 0x20 : 0 with DS = the setup segment, as a real kernel is. It prints
# "setup entered, cmdline: " and the command line fw_cfg gave on COM1, checks the kernel body
# landed at 1 MiB (its first dword, read through the A20 gate), then writes 0x10 to
# isa-debug-exit (minivmm and QEMU exit with 33). Offsets below are file offsets (linked at 0).
        .code16
        .text
        .globl _start
_start:
        .fill   0x1f1, 1, 0
setup_sects:    .byte   1                       # 0x1f1: one sector of setup after the boot sector
root_flags:     .word   0
syssize:        .long   (kernel_end - kernel_start) / 16
ram_size:       .word   0
vid_mode:       .word   0xffff
root_dev:       .word   0
boot_flag:      .word   0xaa55
        # 0x200: the entry point (setup segment + 0x20 : 0), a short jump over the header
        .byte   0xeb, trampoline - header
header:         .ascii  "HdrS"                  # 0x202
version:        .word   0x020f                  # 0x206
realmode_swtch: .long   0
start_sys_seg:  .word   0
kernel_version: .word   0
type_of_loader: .byte   0                       # 0x210: the loader writes 0xb0 (QEMU)
loadflags:      .byte   0x01                    # 0x211: LOADED_HIGH
setup_move_size: .word  0
code32_start:   .long   0x100000
ramdisk_image:  .long   0
ramdisk_size:   .long   0
bootsect_kludge: .long  0
heap_end_ptr:   .word   0
ext_loader_ver: .byte   0
ext_loader_type: .byte  0
cmd_line_ptr:   .long   0                       # 0x228: the loader writes where the command line is
initrd_addr_max: .long  0x37ffffff
trampoline:     jmp     setup_main

greeting:       .asciz  "setup entered, cmdline: "
loader_bad:     .asciz  "\r\ntype_of_loader is not QEMU's\r\n"
kernel_ok:      .asciz  "\r\nkernel at 1 MiB\r\n"
kernel_bad:     .asciz  "\r\nkernel body missing at 1 MiB\r\n"

        .set    COM1, 0x3f8
        .set    LSR_THRE, 0x20
        .set    DEBUG_EXIT, 0xf4

setup_main:
        cli
        mov     $greeting, %si
        call    puts
        cmpb    $0xb0, type_of_loader
        je      1f
        mov     $loader_bad, %si
        call    puts
1:
        # The command line is at cmd_line_ptr (below 1 MiB): read it through FS.
        mov     cmd_line_ptr, %eax
        shr     $4, %eax
        mov     %ax, %fs
        movw    cmd_line_ptr, %bx
        and     $0xf, %bx
2:      movb    %fs:(%bx), %al
        test    %al, %al
        jz      3f
        call    putc
        inc     %bx
        jmp     2b
3:
        # The kernel body's first dword at 0x100000: FFFF:0010 with A20 on (port 0x92).
        in      $0x92, %al
        or      $0x02, %al
        out     %al, $0x92
        mov     $0xffff, %ax
        mov     %ax, %fs
        mov     $kernel_ok, %si
        cmpl    $0x4c4e524b, %fs:0x10           # "KRNL"
        je      4f
        mov     $kernel_bad, %si
4:      call    puts
        mov     $0x10, %al
        out     %al, $DEBUG_EXIT
        hlt

# Prints the NUL-terminated string at DS:SI.
puts:   lodsb
        test    %al, %al
        jz      1f
        call    putc
        jmp     puts
1:      ret

# Writes AL to COM1 once the transmitter holding register is empty.
putc:   push    %dx
        push    %ax
        mov     $COM1 + 5, %dx
1:      in      %dx, %al
        test    $LSR_THRE, %al
        jz      1b
        pop     %ax
        mov     $COM1, %dx
        out     %al, %dx
        pop     %dx
        ret

        .org    0x400                           # end of the setup (1 + setup_sects sectors)
kernel_start:
        .ascii  "KRNL"
        .fill   508, 1, 0
kernel_end:
