# Conformance guest debug32: the debug exception #DB (SDM Vol. 3, chapter 17).
#
# The #DB handler prints the pushed EIP and EFLAGS and DR6, then clears DR6. Checks: TF
# single-step over a few instructions (no trap after the POPF that sets TF, one after the POPF
# that clears it); INT n with TF (no trap after INT, its handler not stepped, a trap after the
# instruction after the IRET); MOV SS holding the trap back one instruction; an OUT with TF (the
# I/O completes, then the trap); an instruction breakpoint in DR0 (fault, the handler sets RF to
# step over it, hit again on the next call); a 4-byte write breakpoint in DR1 (trap after a byte
# write inside it, none for a read); a read/write breakpoint in DR2; DR7 read back; INT3.
# (INT1/ICEBP is left out: QEMU 7.2 TCG raises #UD for it; hardware and minivmm raise #DB.)
        .include "common.inc"
        .include "pm32.inc"
        .include "idt32.inc"

        .set EFLAGS_TF, 0x100
        .set EFLAGS_RF, 0x10000
        .set SOFT_VECTOR, 0x30

        .data
        .balign 4
watch_var:  .long 0x11223344
set_rf:     .long 0

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "debug32\n"
        jmp     enter_pm32

.macro SET_TF
        pushf
        orl     $EFLAGS_TF, (%esp)
        popf
.endm
.macro CLEAR_TF
        pushf
        andl    $~EFLAGS_TF, (%esp)
        popf
.endm

        .text
        .code32
main32:
        call    idt_init
        mov     $1, %eax
        mov     $db_handler, %edx
        mov     $GATE_INT32, %ecx
        call    set_gate
        mov     $SOFT_VECTOR, %eax
        mov     $soft_handler, %edx
        call    set_gate
        xor     %eax, %eax
        mov     %eax, %dr6

        PUTS32  "single-step:\n"
        SET_TF
        mov     $1, %eax
        add     $2, %eax
        CLEAR_TF

        PUTS32  "int 0x30 with tf:\n"
        SET_TF
        int     $SOFT_VECTOR
        nop
        CLEAR_TF

        PUTS32  "mov ss with tf:\n"
        mov     %ss, %ax
        SET_TF
        mov     %ax, %ss
        nop
        CLEAR_TF

        PUTS32  "out with tf:\n"
        mov     $COM1_THR, %dx
        mov     $'*', %al
        SET_TF
        out     %al, %dx
        CLEAR_TF
        mov     $'\n', %al
        call    putc32

        PUTS32  "instruction breakpoint in dr0:\n"
        mov     $bp_target, %eax
        mov     %eax, %dr0
        movl    $1, set_rf
        mov     $0x1, %eax
        mov     %eax, %dr7
        xor     %esi, %esi
        call    bp_target
        call    bp_target
        xor     %eax, %eax
        mov     %eax, %dr7
        movl    $0, set_rf
        PUTS32  "  target ran"
        PUTHEX32 %esi

        PUTS32  "\nwrite breakpoint in dr1, 4 bytes:\n"
        mov     $watch_var, %eax
        mov     %eax, %dr1
        mov     $0x00d00004, %eax
        mov     %eax, %dr7
        PUTS32  "  dr7="
        mov     %dr7, %eax
        call    hex32_dword
        mov     $'\n', %al
        call    putc32
        mov     watch_var, %ebx         # a read: no trap
        movb    $0x77, watch_var + 2    # trap after this
        nop
        xor     %eax, %eax
        mov     %eax, %dr7
        PUTS32  "  watch_var="
        mov     watch_var, %eax
        call    hex32_dword

        PUTS32  "\nread/write breakpoint in dr2:\n"
        mov     $watch_var, %eax
        mov     %eax, %dr2
        mov     $0x0f000010, %eax
        mov     %eax, %dr7
        mov     watch_var, %ebx         # trap after this
        nop
        xor     %eax, %eax
        mov     %eax, %dr7

        PUTS32  "int3:\n"
        EXPECT_FAULT "int3"
        PUTS32  "faults: "
        mov     fault_count, %eax
        call    hex32_byte
        mov     $'\n', %al
        call    putc32
        mov     $0, %al
        jmp     exit32

bp_target:
        inc     %esi
        ret

soft_handler:
        PUTS32  "  in the int 0x30 handler\n"
        iret

# db_handler: "  #db eip=... eflags=... dr6=...", DR6 cleared; RF set in the frame when set_rf.
db_handler:
        pushal
        PUTS32  "  #db eip="
        mov     32(%esp), %eax
        call    hex32_dword
        PUTS32  " eflags="
        mov     40(%esp), %eax
        call    hex32_dword
        PUTS32  " dr6="
        mov     %dr6, %eax
        call    hex32_dword
        mov     $'\n', %al
        call    putc32
        xor     %eax, %eax
        mov     %eax, %dr6
        cmpl    $0, set_rf
        je      1f
        orl     $EFLAGS_RF, 40(%esp)
1:      popal
        iret
