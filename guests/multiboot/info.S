# Multiboot guest "info": a Multiboot v1 ELF32 kernel that prints what its boot loader handed it.
#
# Checks EAX = 0x2badb002, then prints from the info structure at EBX: the flags it relies on
# (memory, command line, memory map, loader name), that mem_lower/mem_upper are plausible for
# 16 MiB, the command line after
# its first word (QEMU and GRUB put the kernel's path there), the usable memory-map entries at
# or above 1 MiB (base, and whether the length matches mem_upper), whether a boot loader name is present, the entry state (CS/DS/SS, CR0.PE/PG,
# EFLAGS.IF) and that its .bss is zero. Ends through isa-debug-exit (0xf4). Run under QEMU with
# -kernel info.elf -append "$(cat info.cmdline)" -m 16M; under minivmm with
# configs/conformance/info.json.
        .include "serial.inc"
        .set MBI_FLAGS, 0
        .set MBI_MEM_LOWER, 4
        .set MBI_MEM_UPPER, 8
        .set MBI_CMDLINE, 16
        .set MBI_MMAP_LENGTH, 44
        .set MBI_MMAP_ADDR, 48
        .set MBI_LOADER_NAME, 64
        .set MBI_FLAG_MEMORY, 1 << 0
        .set MBI_FLAG_CMDLINE, 1 << 2
        .set MBI_FLAG_MMAP, 1 << 6
        .set MBI_FLAG_LOADER_NAME, 1 << 9
        .set MBI_FLAGS_SHOWN, MBI_FLAG_MEMORY | MBI_FLAG_CMDLINE | MBI_FLAG_MMAP | MBI_FLAG_LOADER_NAME
        .set MMAP_TYPE_USABLE, 1

        .set BSS_CHECK_BYTES, 4096

        .bss
        .balign 16
bss_probe:      .space BSS_CHECK_BYTES
stack:          .space 4096
stack_top:

        .text
        .code32
        .globl _start
_start:
        mov     $stack_top, %esp
        mov     %ebx, %ebp                      # the info structure
        push    %eax
        mov     $banner, %esi
        call    puts
        pop     %eax
        cmp     $MB_BOOT_MAGIC, %eax
        je      1f
        mov     $bad_magic, %esi
        call    puts
        call    hex
        mov     $3, %al
        jmp     exit
1:      mov     $flags_text, %esi
        call    puts
        mov     MBI_FLAGS(%ebp), %eax
        and     $MBI_FLAGS_SHOWN, %eax
        call    hex

        # Exact sizes depend on the firmware's memory map (SeaBIOS under QEMU reserves the EBDA
        # and the top 128 KiB), so print whether they are plausible for 16 MiB of RAM.
        mov     $mem_text, %esi
        call    puts
        mov     MBI_MEM_LOWER(%ebp), %eax
        mov     $512, %ecx
        mov     $640, %edx
        call    yes_if_in_range
        mov     $mem_upper_text, %esi
        call    puts
        mov     MBI_MEM_UPPER(%ebp), %eax
        mov     $(14 * 1024), %ecx
        mov     $(15 * 1024), %edx
        call    yes_if_in_range

        mov     $cmdline_text, %esi
        call    puts
        mov     MBI_CMDLINE(%ebp), %esi
2:      lodsb                                   # skip the first word (the kernel's path)
        test    %al, %al
        jz      3f
        cmp     $' ', %al
        jne     2b
        call    puts
3:      mov     $quote_nl, %esi
        call    puts

        mov     MBI_MMAP_ADDR(%ebp), %ebx
        mov     %ebx, %edi
        add     MBI_MMAP_LENGTH(%ebp), %edi
4:      cmp     %edi, %ebx
        jae     6f
        cmpl    $MMAP_TYPE_USABLE, 20(%ebx)
        jne     5f
        cmpl    $0, 8(%ebx)                     # base high
        jne     5f
        cmpl    $0x100000, 4(%ebx)              # base low
        jb      5f
        mov     $mmap_text, %esi
        call    puts
        mov     4(%ebx), %eax
        call    hex
        mov     $mmap_length_text, %esi
        call    puts
        mov     12(%ebx), %eax
        shr     $10, %eax
        mov     MBI_MEM_UPPER(%ebp), %ecx
        mov     %ecx, %edx
        call    yes_if_in_range
        mov     $newline, %esi
        call    puts
5:      mov     (%ebx), %eax                    # entry size, not counting the size field
        lea     4(%ebx, %eax), %ebx
        jmp     4b

6:      mov     $loader_text, %esi
        call    puts
        mov     $'n', %al
        testl   $MBI_FLAG_LOADER_NAME, MBI_FLAGS(%ebp)
        jz      7f
        mov     MBI_LOADER_NAME(%ebp), %esi
        cmpb    $0, (%esi)
        je      7f
        mov     $'y', %al
7:      call    putc

        mov     $state_text, %esi
        call    puts
        mov     %cs, %eax
        call    hex
        mov     $ds_text, %esi
        call    puts
        mov     %ds, %eax
        call    hex
        mov     $ss_text, %esi
        call    puts
        mov     %ss, %eax
        call    hex
        mov     $cr0_text, %esi
        call    puts
        mov     %cr0, %eax
        and     $0x80000001, %eax
        call    hex
        mov     $if_text, %esi
        call    puts
        pushf
        pop     %eax
        and     $0x200, %eax
        call    hex

        mov     $bss_text, %esi
        call    puts
        mov     $bss_probe, %edi
        mov     $BSS_CHECK_BYTES, %ecx
        xor     %eax, %eax
        repe scasb
        mov     $'y', %al
        je      8f
        mov     $'n', %al
8:      call    putc
        mov     $done_text, %esi
        call    puts
        mov     $0, %al
        jmp     exit

# yes_if_in_range: print 'y' when ECX <= EAX <= EDX, else 'n' and EAX in hex.
yes_if_in_range:
        push    %eax
        cmp     %ecx, %eax
        jb      1f
        cmp     %edx, %eax
        ja      1f
        mov     $'y', %al
        call    putc
        pop     %eax
        ret
1:      mov     $'n', %al
        call    putc
        pop     %eax
        jmp     hex

        .section .rodata
banner:         .asciz "multiboot info guest\n"
bad_magic:      .asciz "bad boot magic in eax: "
flags_text:     .asciz "info flags (mem|cmdline|mmap|name): "
mem_text:       .asciz "\nmem_lower in 512..640 KiB: "
mem_upper_text: .asciz " mem_upper in 14..15 MiB: "
cmdline_text:   .asciz "\ncommand line after the kernel path: '"
quote_nl:       .asciz "'\n"
mmap_text:      .asciz "usable memory at or above 1 MiB: base="
mmap_length_text: .asciz " length equals mem_upper: "
newline:        .asciz "\n"
loader_text:    .asciz "boot loader name present: "
state_text:     .asciz "\nentry state: cs="
ds_text:        .asciz " ds="
ss_text:        .asciz " ss="
cr0_text:       .asciz " cr0.pg|pe="
if_text:        .asciz " eflags.if="
bss_text:       .asciz "\nbss zeroed: "
done_text:      .asciz "\nmultiboot info done\n"
