# Conformance guest exceptions32: protected-mode exceptions, their error codes and saved EIP.
#
# Segment loads that fail their checks (#GP beyond the GDT limit, a data load of an execute-only
# code segment, a read-only or null SS, #NP for a not-present data segment, #SS for a
# not-present SS), a far JMP to a data segment, INT through an empty IDT
# entry, #UD (UD2, LOCK NOP), #DE, #BP (INT3), #OF (INTO), #BR (BOUND) and a double fault (#DE
# whose gate is not present). Each prints the line from exception_report (idt32.inc).
        .include "common.inc"
        .include "pm32.inc"
        .include "idt32.inc"

        .set SEL_BEYOND_GDT, 0x80
        .set SMALL_DATA_BASE, 0x20000

        .section .text16, "ax"
        .code16
main16:
        PUTS16  "exceptions32\n"
        jmp     enter_pm32

        .text
        .code32
main32:
        call    idt_init

        PUTS32  "mov ds, selector beyond the GDT limit:\n"
        EXPECT_FAULT "mov $SEL_BEYOND_GDT, %ax", "mov %ax, %ds"
        PUTS32  "mov ds, execute-only code segment:\n"
        EXPECT_FAULT "mov $SEL_CODE_EXEC_ONLY, %ax", "mov %ax, %ds"
        PUTS32  "mov es, not-present data segment:\n"
        EXPECT_FAULT "mov $SEL_NOT_PRESENT, %ax", "mov %ax, %es"
        PUTS32  "mov ss, not-present data segment:\n"
        EXPECT_FAULT "mov $SEL_NOT_PRESENT, %ax", "mov %ax, %ss"
        PUTS32  "mov ss, read-only data segment:\n"
        EXPECT_FAULT "mov $SEL_DATA_RO, %ax", "mov %ax, %ss"
        PUTS32  "mov ss, null selector:\n"
        EXPECT_FAULT "xor %eax, %eax", "mov %ax, %ss"
        # Not here: accesses through a null DS, past a segment limit or writes through a
        # read-only segment. QEMU TCG does not check data accesses against the cached
        # descriptor, so it is no reference for them; the CPU's unit tests cover them.
        PUTS32  "read-only segment still readable:\n"
        mov     $SEL_DATA_RO, %ax
        mov     %ax, %fs
        movl    $0x600df00d, (SMALL_DATA_BASE)
        mov     %fs:(SMALL_DATA_BASE), %eax
        PUTHEX32 %eax
        mov     $'\n', %al
        call    putc32
        PUTS32  "far jmp to a data segment:\n"
        EXPECT_FAULT "ljmp $SEL_DATA32, $0"
        PUTS32  "int 0x40 (empty IDT entry):\n"
        EXPECT_FAULT "int $0x40"
        PUTS32  "ud2:\n"
        EXPECT_FAULT "ud2"
        PUTS32  "lock nop:\n"
        EXPECT_FAULT ".byte 0xf0, 0x90"
        PUTS32  "div by zero:\n"
        EXPECT_FAULT "xor %ebx, %ebx", "div %ebx"
        PUTS32  "int3:\n"
        EXPECT_FAULT "int3"
        PUTS32  "into with OF=1:\n"
        EXPECT_FAULT "mov $0x7fffffff, %eax", "add $1, %eax", "into"
        PUTS32  "into with OF=0:\n"
        EXPECT_FAULT "xor %eax, %eax", "into"
        PUTS32  "bound out of range:\n"
        movl    $-5, (SMALL_DATA_BASE)
        movl    $5, (SMALL_DATA_BASE + 4)
        EXPECT_FAULT "mov $6, %eax", "bound %eax, (SMALL_DATA_BASE)"
        PUTS32  "bound in range:\n"
        EXPECT_FAULT "mov $-5, %eax", "bound %eax, (SMALL_DATA_BASE)"
        PUTS32  "double fault (#DE gate not present):\n"
        andb    $0x7f, idt + 0 * 8 + 5          # clear P of vector 0
        EXPECT_FAULT "xor %ebx, %ebx", "div %ebx"
        orb     $0x80, idt + 0 * 8 + 5
        PUTS32  "#DE again with its gate present:\n"
        EXPECT_FAULT "xor %ebx, %ebx", "div %ebx"

        PUTS32  "exceptions: "
        mov     fault_count, %eax
        call    hex32_dword
        PUTS32  "\nexceptions32 done\n"
        mov     $0, %al
        jmp     exit32
