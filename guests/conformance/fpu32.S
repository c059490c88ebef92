# Conformance guest fpu32: the x87 as an operating system probes it.
#
# CR0.ET, FNINIT then FNSTSW/FNSTCW (the classic "is there an FPU" probe), FLDCW, FWAIT, the
# control/status/tag words in an FNSAVE image and in an FXSAVE image, FRSTOR of a changed
# control word, and a little arithmetic (FLD1/FLDZ/FADD/FISTP) to show the unit computes.
        .include "common.inc"
        .include "pm32.inc"

        .set CR0_MP, 0x2
        .set CR0_EM, 0x4
        .set CR0_TS, 0x8
        .set CR0_ET, 0x10
        .set SAVE_AREA, 0x20000         # 512 bytes, 16-byte aligned (FXSAVE needs it)

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "fpu32\n"
        jmp     enter_pm32

        .text
        .code32
main32:
        PUTS32  "cr0 em/mp/ts/et:"
        mov     %cr0, %eax
        and     $(CR0_MP | CR0_EM | CR0_TS | CR0_ET), %eax
        PUTHEX32 %eax
        fninit
        movw    $0x5a5a, SAVE_AREA
        fnstsw  SAVE_AREA
        PUTS32  "\nfninit; fnstsw:"
        movzwl  SAVE_AREA, %eax
        PUTHEX32 %eax
        fnstsw  %ax
        movzwl  %ax, %eax
        PUTHEX32 %eax
        fnstcw  SAVE_AREA
        PUTS32  " fnstcw:"
        movzwl  SAVE_AREA, %eax
        PUTHEX32 %eax
        movw    $0x027f, SAVE_AREA
        fldcw   SAVE_AREA
        fwait
        fnstcw  SAVE_AREA + 2
        PUTS32  "\nfldcw 027f; fnstcw:"
        movzwl  SAVE_AREA + 2, %eax
        PUTHEX32 %eax

        fninit
        fnsave  SAVE_AREA
        PUTS32  "\nfnsave cw/sw/tw:"
        movzwl  SAVE_AREA, %eax
        PUTHEX32 %eax
        movzwl  SAVE_AREA + 4, %eax
        PUTHEX32 %eax
        movzwl  SAVE_AREA + 8, %eax
        PUTHEX32 %eax
        movw    $0x0e7f, SAVE_AREA
        frstor  SAVE_AREA
        fnstcw  SAVE_AREA + 0x100
        PUTS32  "\nfrstor with cw 0e7f; fnstcw:"
        movzwl  SAVE_AREA + 0x100, %eax
        PUTHEX32 %eax

        fninit
        fxsave  SAVE_AREA
        PUTS32  "\nfxsave cw/sw/abridged tw:"
        movzwl  SAVE_AREA, %eax
        PUTHEX32 %eax
        movzwl  SAVE_AREA + 2, %eax
        PUTHEX32 %eax
        movzbl  SAVE_AREA + 4, %eax
        PUTHEX32 %eax

        fninit
        fld1
        fld1
        faddp
        fld1
        faddp
        fistpl  SAVE_AREA
        fnstsw  %ax
        PUTS32  "\n1+1+1 ="
        PUTHEX32 (SAVE_AREA)
        PUTS32  " sw:"
        movzwl  %ax, %eax
        PUTHEX32 %eax
        PUTS32  "\nfpu32 done\n"
        mov     $0, %al
        jmp     exit32
