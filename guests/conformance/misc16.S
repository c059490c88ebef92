# Conformance guest misc16: real-mode addressing and control forms.
#
# BP-based addresses default to SS (and a DS override wins), 32-bit addressing (0x67) with
# scale in real mode, far CALL/JMP through memory pointers, LDS/LES/LSS, 16-bit PUSHA/POPA,
# ENTER/LEAVE with 16-bit frames, PUSH CS / POP DS, MOV between segment registers and memory,
# XLAT with a segment override, LOOP/JCXZ with CX versus ECX (0x67), and PUSHF/POPF keeping
# reserved bits.
        .include "common.inc"

        .set DATA_SEG, 0x2000           # DS for the cases; SS stays 0
        .set PROBE, 0x6000              # same offset in SS and DS: different bytes
        .set PTRS, 0x6100               # far pointers (DS)

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "misc16\n"
        mov     $DATA_SEG, %ax
        mov     %ax, %ds
        movw    $0x5555, %ss:PROBE              # SS = 0: physical 0x6000
        movw    $0xdddd, PROBE                  # DS = 0x2000: physical 0x26000
        movw    $0x5502, %ss:PROBE + 2
        movw    $0xdd02, PROBE + 2

        PUTS16  "[bp] [bx] ds:[bp] [bp+si] [bx+si+2]:"
        mov     $PROBE, %bp
        mov     $PROBE, %bx
        xor     %si, %si
        mov     (%bp), %ax
        call    space_word
        mov     (%bx), %ax
        call    space_word
        mov     %ds:(%bp), %ax
        call    space_word
        mov     (%bp, %si), %ax
        call    space_word
        mov     2(%bx, %si), %ax
        call    space_word
        call    newline

        PUTS16  "a32 [eax+ebx*2+2] and [ebp] (ss):"
        mov     $0x1000, %eax
        mov     $(PROBE - 0x1000) / 2, %ebx
        mov     2(%eax, %ebx, 2), %dx
        mov     %dx, %ax
        call    space_word
        mov     $PROBE, %ebp
        addr32 mov (%ebp), %ax
        call    space_word
        call    newline

        PUTS16  "far call and jmp through memory:"
        movw    $far_target, PTRS
        movw    $ROM_SEGMENT, PTRS + 2
        movw    $after_far_jmp, PTRS + 4
        movw    $ROM_SEGMENT, PTRS + 6
        mov     %sp, %di
        lcall   *PTRS
        mov     %di, %ax
        sub     %sp, %ax
        call    space_word
        ljmp    *PTRS + 4
        PUTS16  " (not reached)"
after_far_jmp:
        PUTS16  " jumped"
        call    newline

        PUTS16  "lds/les/lss:"
        movw    $0x1234, PTRS + 8
        movw    $0x3000, PTRS + 10
        push    %ds
        lds     PTRS + 8, %si
        mov     %ds, %ax
        pop     %ds
        call    space_word
        mov     %si, %ax
        call    space_word
        les     PTRS + 8, %di
        mov     %es, %ax
        call    space_word
        movw    $0x6ff0, PTRS + 12
        movw    $0x0000, PTRS + 14
        mov     %sp, %bx
        lss     PTRS + 12, %sp
        mov     %sp, %ax
        mov     %bx, %sp
        call    space_word
        call    newline

        PUTS16  "pusha image:"
        mov     $0x1111, %ax
        mov     $0x2222, %cx
        mov     $0x3333, %dx
        mov     $0x4444, %bx
        mov     $0x5555, %bp
        mov     $0x6666, %si
        mov     $0x7777, %di
        mov     %sp, %ss:0x6200
        pusha
        mov     %sp, %bp
        mov     $8, %cx
1:      mov     %ss:(%bp), %ax
        call    space_word
        add     $2, %bp
        loop    1b
        PUTS16  " sp before:"
        mov     %ss:0x6200, %ax
        call    space_word
        popa
        call    newline

        PUTS16  "enter $6,$1 / leave:"
        mov     %sp, %bx
        mov     $0xb0b0, %bp
        enter   $6, $1
        mov     %bx, %ax
        sub     %sp, %ax
        call    space_word
        mov     %bx, %ax
        sub     %bp, %ax
        call    space_word
        mov     -2(%bp), %ax                    # the frame pointer ENTER stored (level 1)
        sub     %bx, %ax
        call    space_word
        leave
        mov     %bp, %ax
        call    space_word
        mov     %bx, %ax
        sub     %sp, %ax
        call    space_word
        call    newline

        PUTS16  "push cs / pop ds, mov sreg<->mem:"
        push    %ds
        push    %cs
        pop     %ds
        mov     %ds, %ax
        pop     %ds
        call    space_word
        mov     %cs, PTRS + 16
        mov     PTRS + 16, %ax
        call    space_word
        movw    $0x2000, PTRS + 18
        mov     PTRS + 18, %es
        mov     %es, %ax
        call    space_word
        call    newline

        PUTS16  "xlat with cs override:"
        mov     $xlat_table, %bx
        mov     $3, %al
        xlat    %cs:(%bx)
        call    space_byte
        call    newline

        PUTS16  "loop with cx vs ecx:"
        mov     $0x00010002, %ecx
        xor     %ax, %ax
1:      inc     %ax
        loop    1b                              # CX only: 2 passes
        call    space_word
        mov     %ecx, %eax
        call    space_dword
        mov     $0x00010002, %ecx
        xor     %ax, %ax
1:      inc     %ax
        cmp     $5, %ax
        je      2f
        addr32 loop 1b                          # ECX: stops at the cmp after 5 passes
2:      call    space_word
        mov     %ecx, %eax
        call    space_dword
        PUTS16  " jcxz/jecxz:"
        mov     $0x00010000, %ecx
        mov     $'t', %al
        jcxz    1f
        mov     $'f', %al
1:      call    putc16
        mov     $'t', %al
        jecxz   1f                              # (0x67 jcxz)
        mov     $'f', %al
1:      call    putc16
        call    newline

        PUTS16  "pushf/popf keep reserved bits: "
        pushw   $0x0000
        popf
        pushf
        pop     %ax
        and     $0x0fff, %ax                    # bits 12-15 (IOPL, NT and bit 15) vary by CPU mode
        call    space_word
        pushw   $0x0cd5                         # OF DF SF ZF AF PF CF (not TF, IF)
        popf
        pushf
        pop     %ax
        and     $0x0fff, %ax
        call    space_word
        pushw   $0x0002
        popf
        call    newline

        PUTS16  "misc16 done\n"
        mov     $0, %al
        jmp     exit16

far_target:
        PUTS16  " in far target"
        lret

space_byte:
        push    %ax
        mov     $' ', %al
        call    putc16
        pop     %ax
        jmp     hex16_byte
space_word:
        push    %ax
        mov     $' ', %al
        call    putc16
        pop     %ax
        jmp     hex16_word
space_dword:
        push    %ax
        mov     $' ', %al
        call    putc16
        pop     %ax
        jmp     hex16_dword
newline:
        push    %ax
        mov     $'\n', %al
        call    putc16
        pop     %ax
        ret

xlat_table:
        .byte   0x10, 0x11, 0x12, 0x13, 0x14
