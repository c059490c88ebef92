# Conformance guest int16: real-mode interrupts and exceptions through the IVT.
#
# INT n, INT3 (CC) and INT 3 (CD 03), INTO with OF clear and set, #DE (DIV by 0), #UD (UD2),
# #BR (BOUND), an IVT entry in another segment, a handler that changes the FLAGS image IRET
# restores, nested INT, LIDT moving the real-mode IVT, and far CALL/RETF imm. Each handler
# prints the vector, the pushed IP/CS/FLAGS, SP and its own FLAGS; a fault handler then steps
# the saved IP over the faulting instruction (V_SKIP bytes).
        .include "common.inc"

        .set V_SKIP, 0x500              # bytes the next fault handler adds to the saved IP
        .set V_SET_CF, 0x502            # non-zero: the handler sets CF in the saved FLAGS
        .set V_ALIAS_CS, 0x504          # CS seen by code entered through ALIAS_SEGMENT
        .set ALT_IVT, 0x800             # a second IVT for the LIDT case
        .set ALIAS_SEGMENT, 0xef00      # = F000 - 0x100 paragraphs: same code, other CS
        .set FLAGS_SHOWN, 0x0fd5        # OF DF IF TF SF ZF AF PF CF

.macro SET_VECTOR table, vector, handler
        movw    $\handler, \table + \vector * 4
        movw    $ROM_SEGMENT, \table + \vector * 4 + 2
.endm

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "int16\n"
        SET_VECTOR 0, 0x00, vec00
        SET_VECTOR 0, 0x03, vec03
        SET_VECTOR 0, 0x04, vec04
        SET_VECTOR 0, 0x05, vec05
        SET_VECTOR 0, 0x06, vec06
        SET_VECTOR 0, 0x21, vec21
        SET_VECTOR 0, 0x23, vec23
        # vector 0x22: the same handler code through CS = ALIAS_SEGMENT
        movw    $(vec22 + (ROM_SEGMENT - ALIAS_SEGMENT) * 16), 0x22 * 4
        movw    $ALIAS_SEGMENT, 0x22 * 4 + 2
        movw    $0, V_SKIP
        movw    $0, V_SET_CF

        PUTS16  "int 21 with IF=1:\n"
        pushw   $0x0002
        popf
        sti
        int     $0x21
        pushf
        cli
        call    show_flags_from_stack

        PUTS16  "int3 (cc):\n"
        int3
        PUTS16  "int 3 (cd 03):\n"
        .byte   0xcd, 0x03

        PUTS16  "into with OF=0:\n"
        pushw   $0x0002
        popf
        into
        PUTS16  "into with OF=1:\n"
        pushw   $0x0802
        popf
        into

        PUTS16  "div by zero:\n"
        movw    $2, V_SKIP
        mov     $0x1234, %ax
        xor     %dx, %dx
        xor     %bx, %bx
div_insn:
        div     %bx

        PUTS16  "ud2:\n"
        movw    $2, V_SKIP
ud2_insn:
        ud2

        PUTS16  "bound out of range:\n"
        movw    $4, V_SKIP
        movw    $10, 0x600
        movw    $20, 0x602
        mov     $30, %ax
bound_insn:
        bound   %ax, 0x600
        PUTS16  "bound in range (no #BR)\n"
        mov     $15, %ax
        bound   %ax, 0x600

        PUTS16  "int 22 through another CS:\n"
        int     $0x22

        PUTS16  "handler sets CF in the saved FLAGS:\n"
        movw    $1, V_SET_CF
        pushw   $0x0002
        popf
        int     $0x21
        pushf
        call    show_flags_from_stack
        movw    $0, V_SET_CF

        PUTS16  "nested int 23 -> int 21:\n"
        int     $0x23

        PUTS16  "lidt to 0:0800, int 30:\n"
        SET_VECTOR ALT_IVT, 0x30, vec30
        lidtw   %cs:alt_idtr
        int     $0x30
        lidtw   %cs:real_idtr
        PUTS16  "lidt back, int 21:\n"
        int     $0x21

        PUTS16  "far call, retf $4:\n"
        pushw   $0x1111
        pushw   $0x2222
        mov     %sp, %bx
        lcall   $ALIAS_SEGMENT, $(far_target + (ROM_SEGMENT - ALIAS_SEGMENT) * 16)
        mov     %sp, %ax
        sub     %bx, %ax
        PUTS16  "sp moved by "
        call    hex16_word
        mov     $'\n', %al
        call    putc16

        PUTS16  "int16 done\n"
        mov     $0, %al
        jmp     exit16

alt_idtr:
        .word   0x3ff
        .long   ALT_IVT
real_idtr:
        .word   0x3ff
        .long   0

far_target:
        mov     %cs, V_ALIAS_CS
        ljmp    $ROM_SEGMENT, $far_target_rom
far_target_rom:
        PUTS16  "  in far target, cs="
        mov     V_ALIAS_CS, %ax
        call    hex16_word
        PUTS16  " ret ip="
        mov     %sp, %bp
        mov     (%bp), %ax
        sub     $main16, %ax                    # print relative to main16 (layout-independent text)
        call    hex16_word
        PUTS16  " ret cs="
        mov     2(%bp), %ax
        call    hex16_word
        mov     $'\n', %al
        call    putc16
        lret    $4

# show_flags_from_stack: print the FLAGS word pushed just before the call, and drop it.
show_flags_from_stack:
        push    %bp
        mov     %sp, %bp
        PUTS16  "  after iret: fl="
        mov     4(%bp), %ax
        and     $FLAGS_SHOWN, %ax
        call    hex16_word
        mov     $'\n', %al
        call    putc16
        pop     %bp
        ret     $2

vec00:  pushw   $0x00
        jmp     handler
vec03:  pushw   $0x03
        jmp     handler
vec04:  pushw   $0x04
        jmp     handler
vec05:  pushw   $0x05
        jmp     handler
vec06:  pushw   $0x06
        jmp     handler
vec21:  pushw   $0x21
        jmp     handler
# Reached through CS = ALIAS_SEGMENT: note CS, then continue at F000, where strings resolve.
vec22:  mov     %cs, V_ALIAS_CS
        ljmp    $ROM_SEGMENT, $vec22_rom
vec22_rom:
        PUTS16  "  entered with cs="
        mov     V_ALIAS_CS, %ax
        call    hex16_word
        mov     $'\n', %al
        call    putc16
        pushw   $0x22
        jmp     handler
vec30:  pushw   $0x30
        jmp     handler
vec23:  pushw   $0x23
        call    report_interrupt
        PUTS16  "  nesting:\n"
        int     $0x21
        add     $2, %sp
        iret

# handler: [SP] = vector, then the IP, CS, FLAGS the interrupt pushed.
handler:
        call    report_interrupt
        push    %bp
        mov     %sp, %bp
        mov     V_SKIP, %ax
        add     %ax, 4(%bp)                     # saved IP past a faulting instruction
        movw    $0, V_SKIP
        cmpw    $0, V_SET_CF
        je      1f
        orw     $1, 8(%bp)                      # FLAGS image: CF
1:      pop     %bp
        add     $2, %sp
        iret

# report_interrupt: print "  vec NN ip=IIII cs=CCCC fl=FFFF sp=SSSS in-handler fl=FFFF".
report_interrupt:
        pushf
        push    %bp
        mov     %sp, %bp                        # bp+0 bp, +2 flags, +4 ret, +6 vector, +8 IP, +10 CS, +12 FLAGS
        PUTS16  "  vec "
        mov     6(%bp), %ax
        call    hex16_byte
        PUTS16  " ip=main16+"
        mov     8(%bp), %ax
        sub     $main16, %ax
        call    hex16_word
        PUTS16  " cs="
        mov     10(%bp), %ax
        call    hex16_word
        PUTS16  " fl="
        mov     12(%bp), %ax
        and     $FLAGS_SHOWN, %ax
        call    hex16_word
        PUTS16  " sp="
        lea     8(%bp), %ax
        call    hex16_word
        PUTS16  " handler fl="
        mov     2(%bp), %ax
        and     $FLAGS_SHOWN, %ax
        call    hex16_word
        mov     $'\n', %al
        call    putc16
        pop     %bp
        popf
        ret
