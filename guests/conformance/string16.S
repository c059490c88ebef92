# Conformance guest string16: string instructions in 16-bit real mode.
#
# MOVS/STOS/LODS/CMPS/SCAS/OUTS in byte, word and dword (66h) forms, with REP/REPE/REPNE,
# CX = 0, DF = 1, a source segment override, SI wrapping at 64 KiB, and the 67h prefix (ECX,
# ESI, EDI as counter and pointers). After each case it prints SI, DI, ECX, EAX and the flags
# (arithmetic + DF), then the first 48 bytes of the destination buffer (ES = 0x3000).
        .include "common.inc"

        .set SRC_SEGMENT, 0x2000
        .set DST_SEGMENT, 0x3000
        .set OTHER_SEGMENT, 0x4000
        .set DUMP_BYTES, 48
        .set FLAGS_SHOWN, 0x0cd5        # OF DF SF ZF AF PF CF

# REPORT "name": print the case name, then report (flags are captured before anything changes them).
.macro REPORT text
        .pushsection .text16.strings, "a"
.Lreport\@: .asciz "\text"
        .popsection
        pushw   $.Lreport\@
        call    report
        add     $2, %sp
.endm

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "string16\n"
        # Source pattern: byte i = i * 7 + 3 at 2000:0000 and, for the wrap case, 2000:fff0.
        mov     $SRC_SEGMENT, %ax
        mov     %ax, %ds
        xor     %bx, %bx
        mov     $3, %al
1:      mov     %al, (%bx)
        add     $7, %al
        inc     %bx
        jnz     1b

        call    reset_state
        mov     $5, %si
        mov     $3, %di
        mov     $10, %cx
        rep movsb
        REPORT  "rep movsb"

        call    reset_state
        std
        mov     $0x20, %si
        mov     $0x20, %di
        mov     $5, %cx
        rep movsw
        REPORT  "std rep movsw"

        call    reset_state
        mov     $0x11, %si
        mov     $0x4, %di
        mov     $3, %cx
        rep movsl
        REPORT  "rep movsd"

        call    reset_state
        mov     $OTHER_SEGMENT, %ax             # DS points elsewhere: the FS override must win
        mov     %ax, %ds
        mov     $0x40, %si
        xor     %di, %di
        mov     $6, %cx
        rep movsb %fs:(%si), %es:(%di)
        REPORT  "rep fs movsb"

        call    reset_state
        mov     $0xa55a, %ax
        mov     $2, %di
        mov     $7, %cx
        rep stosw
        REPORT  "rep stosw"

        call    reset_state
        std
        mov     $0x12345678, %eax
        mov     $0x20, %di
        mov     $3, %cx
        rep stosl
        REPORT  "std rep stosd"

        call    reset_state
        mov     $5, %si
        mov     $3, %di
        xor     %cx, %cx
        rep movsb
        REPORT  "rep movsb cx=0"

        call    reset_state
        mov     $0x00010003, %ecx               # 16-bit addressing counts with CX only
        mov     $0x30, %si
        mov     $0x10, %di
        rep movsb
        REPORT  "rep movsb ecx.hi"

        call    reset_state
        mov     $0x00000004, %ecx               # 67h: ECX, ESI, EDI
        mov     $0x00000050, %esi
        mov     $0x00000008, %edi
        addr32 rep movsw
        REPORT  "a32 rep movsw"

        call    reset_state
        mov     $0xfffe, %si                    # SI wraps from ffff to 0000
        xor     %di, %di
        mov     $4, %cx
        rep movsb
        REPORT  "rep movsb wrap"

        # CMPS: copy 16 source bytes, change byte 5, then REPE CMPSB stops after it.
        call    reset_state
        xor     %si, %si
        xor     %di, %di
        mov     $16, %cx
        rep movsb
        movb    $0xee, %es:5
        xor     %si, %si
        xor     %di, %di
        mov     $16, %cx
        repe cmpsb
        REPORT  "repe cmpsb"

        call    reset_state
        xor     %si, %si
        xor     %di, %di
        mov     $8, %cx
        rep movsw
        xor     %si, %si
        xor     %di, %di
        mov     $8, %cx
        repe cmpsw                              # all equal: runs out with ZF = 1
        REPORT  "repe cmpsw equal"

        call    reset_state
        xor     %si, %si
        mov     $2, %di
        mov     $10, %cx
        repne cmpsb                             # source vs zeroed destination
        REPORT  "repne cmpsb"

        call    reset_state
        movb    $0x77, %es:0x13
        mov     $0x77, %al
        xor     %di, %di
        mov     $0x30, %cx
        repne scasb
        REPORT  "repne scasb"

        call    reset_state
        xor     %ax, %ax
        xor     %di, %di
        mov     $6, %cx
        repe scasw                              # destination is zero: runs out, ZF = 1
        REPORT  "repe scasw"

        call    reset_state
        mov     $0x1234, %ax
        mov     $4, %di
        mov     $1, %cx
        repne scasl
        REPORT  "repne scasd"

        call    reset_state
        mov     $0x20, %si
        mov     $4, %cx
        rep lodsb
        REPORT  "rep lodsb"

        call    reset_state
        std
        mov     $0x21, %si
        lodsw
        REPORT  "std lodsw"

        # OUTS straight to the UART's transmit register.
        call    reset_state
        mov     %cs, %ax
        mov     %ax, %ds
        mov     $outs_text, %si
        mov     $(outs_text_end - outs_text), %cx
        mov     $COM1_THR, %dx
        rep outsb
        REPORT  "rep outsb"

        PUTS16  "string16 done\n"
        mov     $0, %al
        jmp     exit16

outs_text:
        .ascii  "<outs ok>"
outs_text_end:

# reset_state: DS = FS = source, ES = destination (zeroed), DF = 0, flags clear, EAX/ECX/ESI/EDI = 0.
reset_state:
        mov     $DST_SEGMENT, %ax
        mov     %ax, %es
        mov     $SRC_SEGMENT, %ax
        mov     %ax, %ds
        mov     %ax, %fs
        xor     %bx, %bx
1:      movb    $0, %es:(%bx)
        inc     %bx
        cmp     $0x100, %bx
        jne     1b
        xor     %eax, %eax
        xor     %ecx, %ecx
        xor     %esi, %esi
        xor     %edi, %edi
        pushw   $0x0002
        popf
        ret

# report: print the case name (pushed by REPORT), the registers and flags as they were at the call, then the destination bytes.
report:
        pushf
        pushal                                  # EDI ESI EBP ESP EBX EDX ECX EAX, then FLAGS
        mov     %sp, %bp
        mov     36(%bp), %si                    # the name REPORT pushed
        call    puts16
        PUTS16  ": si="
        mov     4(%bp), %ax
        call    hex16_word
        PUTS16  " di="
        mov     0(%bp), %ax
        call    hex16_word
        PUTS16  " ecx="
        mov     24(%bp), %eax
        call    hex16_dword
        PUTS16  " eax="
        mov     28(%bp), %eax
        call    hex16_dword
        PUTS16  " fl="
        mov     32(%bp), %ax
        and     $FLAGS_SHOWN, %ax
        call    hex16_word
        PUTS16  "\n  "
        xor     %bx, %bx
1:      mov     %es:(%bx), %al
        call    hex16_byte
        inc     %bx
        cmp     $DUMP_BYTES, %bx
        jne     1b
        mov     $'\n', %al
        call    putc16
        popal
        popf
        ret
