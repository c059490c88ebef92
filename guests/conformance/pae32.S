# Conformance guest pae32: PAE paging (CR4.PAE) with 4 KiB and 2 MiB pages, then NX.
#
# A PDPT with two page directories: the low 1 MiB identity-mapped with 4 KiB pages, the 2 MiB
# page at virtual 0x400000 -> physical 0, and virtual 0x40000000 (PDPT entry 1) -> physical
# 0x30000 (read/write) and 0x40001000 -> 0x31000 (read-only). Checks data through each
# mapping, accessed/dirty bits in the 64-bit entries, #PF error codes and CR2 (not present,
# write to read-only with WP, PDPT entry not present), INVLPG, and finally EFER.NXE with an
# instruction fetch from a no-execute page (#PF with the I/D bit) and a read from it (allowed).
        .include "common.inc"
        .include "pm32.inc"
        .include "idt32.inc"

        .set PTE_P, 0x001
        .set PTE_RW, 0x002
        .set PTE_A, 0x020
        .set PTE_D, 0x040
        .set PDE_PS, 0x080
        .set PTE_NX_HIGH, 0x80000000    # bit 63, in the high dword
        .set CR4_PAE, 0x020
        .set MSR_EFER, 0xc0000080
        .set EFER_NXE, 0x800
        .set PAGE_A_PHYS, 0x30000
        .set PAGE_B_PHYS, 0x31000
        .set VIRT_BIG, 0x400000         # 2 MiB page -> physical 0
        .set VIRT_HIGH, 0x40000000      # PDPT entry 1
        .set VIRT_NO_PDPTE, 0x80000000  # PDPT entry 2, not present

        .bss
        .balign 4096
pd_low:   .space 4096               # PDPT[0]
pt_low:   .space 4096               # 0x000000-0x1fffff
pd_high:  .space 4096               # PDPT[1]
pt_high:  .space 4096               # 0x40000000-0x401fffff
        .balign 32
pdpt:     .space 32

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "pae32\n"
        jmp     enter_pm32

        .text
        .code32
main32:
        call    idt_init
        movl    $0x11111111, PAGE_A_PHYS
        movl    $0x22222222, PAGE_B_PHYS
        xor     %ecx, %ecx
1:      mov     %ecx, %eax
        shl     $12, %eax
        or      $(PTE_P | PTE_RW), %eax
        mov     %eax, pt_low(, %ecx, 8)
        inc     %ecx
        cmp     $256, %ecx
        jne     1b
        movl    $(pt_low + PTE_P + PTE_RW), pd_low + 0 * 8
        movl    $(0 + PDE_PS + PTE_P + PTE_RW), pd_low + 2 * 8      # 0x400000, 2 MiB
        movl    $(pt_high + PTE_P + PTE_RW), pd_high + 0 * 8
        movl    $(PAGE_A_PHYS + PTE_P + PTE_RW), pt_high + 0 * 8
        movl    $(PAGE_B_PHYS + PTE_P), pt_high + 1 * 8
        movl    $(pd_low + PTE_P), pdpt + 0 * 8
        movl    $(pd_high + PTE_P), pdpt + 1 * 8

        mov     %cr4, %eax
        or      $CR4_PAE, %eax
        mov     %eax, %cr4
        mov     $pdpt, %eax
        mov     %eax, %cr3
        mov     %cr0, %eax
        or      $(CR0_PG | CR0_WP), %eax
        mov     %eax, %cr0
        jmp     1f
1:      PUTS32  "pae paging on\n"

        PUTS32  "read 2 MiB page at 430000:"
        PUTHEX32 (VIRT_BIG + PAGE_A_PHYS)
        PUTS32  " pde2="
        mov     pd_low + 2 * 8, %eax
        call    hex32_dword
        call    newline
        PUTS32  "write 400000+30004:"
        movl    $0x33333333, (VIRT_BIG + PAGE_A_PHYS + 4)
        PUTHEX32 (PAGE_A_PHYS + 4)
        PUTS32  " pde2="
        mov     pd_low + 2 * 8, %eax
        call    hex32_dword
        call    newline

        PUTS32  "read 40000000:"
        PUTHEX32 (VIRT_HIGH)
        call    show_high_bits
        PUTS32  "write 40000008:"
        movl    $0x44444444, (VIRT_HIGH + 8)
        PUTHEX32 (PAGE_A_PHYS + 8)
        call    show_high_bits
        PUTS32  "read 40001000 (read-only):"
        PUTHEX32 (VIRT_HIGH + 0x1000)
        call    show_high_bits
        PUTS32  "write 40001000 with WP=1:\n"
        EXPECT_FAULT "movl $1, (VIRT_HIGH + 0x1000)"
        PUTS32  "read 40002000 (PTE not present):\n"
        EXPECT_FAULT "mov (VIRT_HIGH + 0x2000), %eax"
        PUTS32  "write 80000000 (PDPT entry not present):\n"
        EXPECT_FAULT "movl $1, (VIRT_NO_PDPTE)"

        PUTS32  "remap 40000000 -> 31000, invlpg:"
        movl    $(PAGE_B_PHYS + PTE_P + PTE_RW), pt_high + 0 * 8
        invlpg  (VIRT_HIGH)
        PUTHEX32 (VIRT_HIGH)
        call    newline

        PUTS32  "efer.nxe on, 40000000 no-execute\n"
        mov     $MSR_EFER, %ecx
        rdmsr
        or      $EFER_NXE, %eax
        wrmsr
        movb    $0xc3, PAGE_B_PHYS + 0x10       # RET, to be fetched through the NX page
        movl    $PTE_NX_HIGH, pt_high + 0 * 8 + 4
        invlpg  (VIRT_HIGH)
        PUTS32  "read it:"
        PUTHEX32 (VIRT_HIGH)
        PUTS32  "\ncall into it:\n"
        EXPECT_FAULT "mov $(VIRT_HIGH + 0x10), %eax", "call *%eax"
        add     $4, %esp                        # the CALL pushed its return address before the fault

        PUTS32  "page faults: "
        mov     fault_count, %eax
        call    hex32_dword
        PUTS32  "\npae32 done\n"
        mov     $0, %al
        jmp     exit32

newline:
        push    %eax
        mov     $'\n', %al
        call    putc32
        pop     %eax
        ret

# show_high_bits: the low 12 bits of PDE 0 of pd_high and of PTEs 0 and 1. (Not the PDPTE: its
# bit 5 is reserved in PAE mode, yet QEMU TCG sets it as if it were an accessed bit.)
show_high_bits:
        push    %eax
        PUTS32  " pde="
        mov     pd_high, %eax
        and     $0xfff, %eax
        call    hex32_word
        PUTS32  " pte0="
        mov     pt_high + 0 * 8, %eax
        and     $0xfff, %eax
        call    hex32_word
        PUTS32  " pte1="
        mov     pt_high + 1 * 8, %eax
        and     $0xfff, %eax
        call    hex32_word
        call    newline
        pop     %eax
        ret
