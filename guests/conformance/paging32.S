# Conformance guest paging32: 32-bit paging with 4 KiB and 4 MiB pages.
#
# Identity-maps the low 1 MiB, maps virtual 0x400000 -> physical 0x30000 (read/write),
# 0x401000 -> 0x31000 (read-only), leaves 0x402000 and 0x800000 unmapped, and maps the 4 MiB
# page at 0xc00000 -> physical 0 (CR4.PSE). Checks the data seen through each mapping, the
# accessed/dirty bits the CPU writes into the PDE/PTE, supervisor writes to a read-only page
# with CR0.WP clear and set, #PF error codes and CR2 for reads, writes, a cross-page read and
# an instruction fetch, INVLPG and a CR3 reload after a PTE changes, and paging off again.
        .include "common.inc"
        .include "pm32.inc"
        .include "idt32.inc"

        .set PTE_P, 0x001
        .set PTE_RW, 0x002
        .set PTE_US, 0x004
        .set PTE_A, 0x020
        .set PTE_D, 0x040
        .set PDE_PS, 0x080
        .set CR4_PSE, 0x010
        .set PAGE_A_PHYS, 0x30000
        .set PAGE_B_PHYS, 0x31000
        .set VIRT_A, 0x400000           # -> PAGE_A_PHYS, read/write
        .set VIRT_B, 0x401000           # -> PAGE_B_PHYS, read-only
        .set VIRT_HOLE, 0x402000        # PTE not present
        .set VIRT_NO_TABLE, 0x800000    # PDE not present
        .set VIRT_BIG, 0xc00000         # 4 MiB page -> physical 0

        .bss
        .balign 4096
page_directory: .space 4096
pt_low:         .space 4096         # 0x000000-0x3fffff, low 1 MiB identity
pt_remap:       .space 4096         # 0x400000-0x7fffff

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "paging32\n"
        jmp     enter_pm32

        .text
        .code32
main32:
        call    idt_init
        movl    $0x11111111, PAGE_A_PHYS
        movl    $0xa0a0a0a0, PAGE_A_PHYS + 4
        movl    $0x22222222, PAGE_B_PHYS
        xor     %ecx, %ecx
1:      mov     %ecx, %eax
        shl     $12, %eax
        or      $(PTE_P | PTE_RW), %eax
        mov     %eax, pt_low(, %ecx, 4)
        inc     %ecx
        cmp     $256, %ecx
        jne     1b
        movl    $(pt_low + PTE_P + PTE_RW), page_directory + 0 * 4
        movl    $(pt_remap + PTE_P + PTE_RW), page_directory + 1 * 4
        movl    $(0 + PDE_PS + PTE_P + PTE_RW), page_directory + 3 * 4
        movl    $(PAGE_A_PHYS + PTE_P + PTE_RW), pt_remap + 0 * 4
        movl    $(PAGE_B_PHYS + PTE_P), pt_remap + 1 * 4

        mov     %cr4, %eax
        or      $CR4_PSE, %eax
        mov     %eax, %cr4
        mov     $page_directory, %eax
        mov     %eax, %cr3
        mov     %cr0, %eax
        or      $CR0_PG, %eax
        mov     %eax, %cr0
        jmp     1f                              # (serialise, as the SDM asks after setting PG)
1:      PUTS32  "paging on: cr0.pg/wp/pe="
        mov     %cr0, %eax
        and     $(CR0_PG | CR0_WP | CR0_PE), %eax
        call    hex32_dword
        call    newline

        PUTS32  "read 400000:"
        PUTHEX32 (VIRT_A)
        call    show_remap_bits
        PUTS32  "write 400004:"
        movl    $0x33333333, (VIRT_A + 4)
        PUTHEX32 (PAGE_A_PHYS + 4)
        call    show_remap_bits
        PUTS32  "read 401000 (read-only):"
        PUTHEX32 (VIRT_B)
        call    show_remap_bits
        PUTS32  "supervisor write 401000 with WP=0:"
        movl    $0x44444444, (VIRT_B)
        PUTHEX32 (PAGE_B_PHYS)
        call    show_remap_bits

        mov     %cr0, %eax
        or      $CR0_WP, %eax
        mov     %eax, %cr0
        PUTS32  "supervisor write 401000 with WP=1:\n"
        EXPECT_FAULT "movl $0x55555555, (VIRT_B)"
        PUTS32  "  memory still"
        PUTHEX32 (PAGE_B_PHYS)
        call    newline
        PUTS32  "read 402000 (PTE not present):\n"
        EXPECT_FAULT "mov (VIRT_HOLE), %eax"
        PUTS32  "write 402010 (PTE not present):\n"
        EXPECT_FAULT "movl $1, (VIRT_HOLE + 0x10)"
        PUTS32  "read 800000 (PDE not present):\n"
        EXPECT_FAULT "mov (VIRT_NO_TABLE), %eax"
        PUTS32  "dword read at 401ffe, crossing into 402000:\n"
        EXPECT_FAULT "mov (VIRT_HOLE - 2), %eax"
        PUTS32  "jump to 402000:\n"
        EXPECT_FAULT "mov $VIRT_HOLE, %eax", "jmp *%eax"

        PUTS32  "4 MiB page, read c30000:"
        PUTHEX32 (VIRT_BIG + PAGE_A_PHYS)
        PUTS32  " pde3="
        mov     page_directory + 3 * 4, %eax
        call    hex32_dword
        call    newline
        PUTS32  "4 MiB page, write c30008:"
        movl    $0x66666666, (VIRT_BIG + PAGE_A_PHYS + 8)
        PUTHEX32 (PAGE_A_PHYS + 8)
        PUTS32  " pde3="
        mov     page_directory + 3 * 4, %eax
        call    hex32_dword
        call    newline

        PUTS32  "remap 400000 -> 31000, invlpg:"
        movl    $(PAGE_B_PHYS + PTE_P + PTE_RW), pt_remap + 0 * 4
        invlpg  (VIRT_A)
        PUTHEX32 (VIRT_A)
        call    show_remap_bits
        PUTS32  "remap 400000 -> 30000, reload cr3:"
        movl    $(PAGE_A_PHYS + PTE_P + PTE_RW), pt_remap + 0 * 4
        mov     %cr3, %eax
        mov     %eax, %cr3
        PUTHEX32 (VIRT_A)
        call    show_remap_bits

        mov     %cr0, %eax
        and     $~(CR0_PG | CR0_WP), %eax
        mov     %eax, %cr0
        jmp     1f
1:      PUTS32  "paging off: cr0.pg/wp/pe="
        mov     %cr0, %eax
        and     $(CR0_PG | CR0_WP | CR0_PE), %eax
        call    hex32_dword
        PUTS32  ", read 30000:"
        PUTHEX32 (PAGE_A_PHYS)
        call    newline

        PUTS32  "page faults: "
        mov     fault_count, %eax
        call    hex32_dword
        PUTS32  "\npaging32 done\n"
        mov     $0, %al
        jmp     exit32

newline:
        push    %eax
        mov     $'\n', %al
        call    putc32
        pop     %eax
        ret

# show_remap_bits: print the low 12 bits (flags) of PDE 1 and of PTEs 0 and 1 of pt_remap.
show_remap_bits:
        push    %eax
        PUTS32  " pde1="
        mov     page_directory + 1 * 4, %eax
        and     $0xfff, %eax
        call    hex32_word
        PUTS32  " pte0="
        mov     pt_remap + 0 * 4, %eax
        and     $0xfff, %eax
        call    hex32_word
        PUTS32  " pte1="
        mov     pt_remap + 1 * 4, %eax
        and     $0xfff, %eax
        call    hex32_word
        call    newline
        pop     %eax
        ret
