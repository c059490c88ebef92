# Conformance guest pmode32: entering and leaving protected mode, and the descriptor instructions.
#
# Real mode: SMSW (CR0 reset value), SIDT. Protected mode: the selectors after the switch,
# SGDT/SIDT/SLDT/STR, LAR/LSL/VERR/VERW on each kind of GDT entry (code, data, ring-3, not
# present, byte-granular limit, execute-only, read-only, null, beyond the limit) and the accessed
# bit the CPU sets when it loads a data segment, ARPL, a far jump to a 16-bit protected-mode code segment,
# CR0.PE off and a far jump back to real mode, and a second entry into protected mode.
        .include "common.inc"
        .include "pm32.inc"

        .set SEL_BEYOND_GDT, 0x80
        # LAR results are shown without the accessed bit: QEMU TCG sets it when a data segment
        # register is loaded but not when a far JMP loads CS, which the SDM does not allow for.
        # The data-segment case is printed on its own ("accessed bit of 0010").
        .set LAR_ACCESSED, 0x100

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "pmode32\nreal mode: msw="
        smsw    %ax
        call    hex16_word
        PUTS16  " idtr="
        sidtl   0x600
        mov     0x600, %ax
        call    hex16_word
        mov     $':', %al
        call    putc16
        mov     0x602, %eax
        call    hex16_dword
        mov     $'\n', %al
        call    putc16
        jmp     enter_pm32

# 16-bit protected mode (CS = SEL_CODE16, base 0xf0000): real-mode-compatible data segments,
# then CR0.PE off and a far jump to reload CS with a real-mode segment.
pm16_entry:
        mov     $SEL_DATA16, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $REAL_STACK_TOP, %sp
        mov     %cr0, %eax
        and     $~CR0_PE, %eax
        mov     %eax, %cr0
        ljmp    $ROM_SEGMENT, $real_again
real_again:
        xor     %ax, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        PUTS16  "back in real mode: cs="
        mov     %cs, %ax
        call    hex16_word
        PUTS16  " msw="
        smsw    %ax
        call    hex16_word
        mov     $'\n', %al
        call    putc16
        jmp     enter_pm32

        .bss
entries: .long 0
dtr:     .space 8

        .text
        .code32
main32:
        incl    entries
        cmpl    $1, entries
        jne     second_entry
        PUTS32  "protected mode: cs="
        mov     %cs, %eax
        call    hex32_word
        PUTS32  " ds="
        mov     %ds, %eax
        call    hex32_word
        PUTS32  " ss="
        mov     %ss, %eax
        call    hex32_word
        PUTS32  " msw="
        smsw    %eax
        call    hex32_word
        PUTS32  "\ngdtr="
        sgdt    dtr
        movzwl  dtr, %eax
        call    hex32_word
        mov     $':', %al
        call    putc32
        mov     dtr + 2, %eax
        call    hex32_dword
        PUTS32  " (gdt at "
        mov     $gdt, %eax
        call    hex32_dword
        PUTS32  ") idtr="
        sidt    dtr
        movzwl  dtr, %eax
        call    hex32_word
        mov     $':', %al
        call    putc32
        mov     dtr + 2, %eax
        call    hex32_dword
        PUTS32  " ldtr="
        sldt    %eax
        call    hex32_word
        PUTS32  " tr="
        str     %eax
        call    hex32_word
        call    newline

        mov     $selectors, %esi
1:      movzwl  (%esi), %ebx
        call    probe_selector
        add     $2, %esi
        cmp     $selectors_end, %esi
        jne     1b

        PUTS32  "accessed bit of 0010 after loads: "
        movzbl  gdt + SEL_DATA32 + 5, %eax
        and     $1, %eax
        call    hex32_byte
        call    newline

        PUTS32  "arpl 0010,0013:"
        mov     $0x10, %eax
        mov     $0x13, %ebx
        arpl    %bx, %ax
        call    show_ax_zf
        PUTS32  "arpl 0013,0010:"
        mov     $0x13, %eax
        mov     $0x10, %ebx
        arpl    %bx, %ax
        call    show_ax_zf

        PUTS32  "far jmp to 16-bit protected mode, then real mode\n"
        ljmp    $SEL_CODE16, $pm16_entry

second_entry:
        PUTS32  "protected mode again: cs="
        mov     %cs, %eax
        call    hex32_word
        PUTS32  " esp="
        mov     %esp, %eax
        call    hex32_dword
        PUTS32  "\npmode32 done\n"
        mov     $0, %al
        jmp     exit32

# probe_selector: "sel SSSS lar=... lsl=... verr=Z verw=Z" for selector BX; '-' where ZF = 0.
probe_selector:
        PUTS32  "sel "
        mov     %ebx, %eax
        call    hex32_word
        PUTS32  " lar="
        mov     $0xdeadbeef, %eax
        lar     %ebx, %eax
        pushf
        and     $~LAR_ACCESSED, %eax
        popf
        call    show_if_zf
        PUTS32  " lsl="
        mov     $0xdeadbeef, %eax
        lsl     %ebx, %eax
        call    show_if_zf
        PUTS32  " verr="
        verr    %bx
        call    show_zf
        PUTS32  " verw="
        verw    %bx
        call    show_zf
        jmp     newline

# show_if_zf: EAX in hex when ZF = 1, else "--------".
show_if_zf:
        jz      1f
        PUTS32  "--------"
        ret
1:      jmp     hex32_dword

show_zf:
        push    %eax
        setz    %al
        add     $'0', %al
        call    putc32
        pop     %eax
        ret

show_ax_zf:
        pushf
        PUTS32  " ax="
        call    hex32_word
        PUTS32  " zf="
        popf
        call    show_zf
        jmp     newline

newline:
        push    %eax
        mov     $'\n', %al
        call    putc32
        pop     %eax
        ret

        .section .rodata
selectors:
        .word   0x0000, SEL_CODE32, SEL_DATA32, SEL_CODE32_R3, SEL_DATA32_R3, SEL_TSS
        .word   SEL_NOT_PRESENT, SEL_SMALL_DATA, SEL_CODE_EXEC_ONLY, SEL_DATA_RO, SEL_CODE16
        .word   SEL_DATA16, SEL_DATA32 | 3, SEL_BEYOND_GDT
selectors_end:
