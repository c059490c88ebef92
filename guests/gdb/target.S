# Multiboot guest "target": the program the gdb stub is tested against (tests/MiniVmm.Tests/Gdb).
# This file is its entry (the Multiboot header and a stack); the program is target.c, compiled with
# symbols and DWARF so gdb can 'break main' and 'watch counter'. Under minivmm: configs/gdb-target.json.
        .set MB_MAGIC, 0x1badb002
        .set MB_FLAGS, (1 << 0) | (1 << 1)

        .section .multiboot, "a"
        .balign 4
        .long   MB_MAGIC
        .long   MB_FLAGS
        .long   -(MB_MAGIC + MB_FLAGS)

        .bss
        .balign 16
stack:  .space  4096
stack_top:

        .text
        .code32
        .globl _start
_start:
        mov     $stack_top, %esp
        call    main
1:      cli
        hlt
        jmp     1b

        .section .note.GNU-stack, "", @progbits
