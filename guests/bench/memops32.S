# A 32-bit flat protected-mode benchmark guest of string instructions (configs/bench/memops32.json,
# scripts/bench-vs-qemu.sh): the memset/memcpy/memmove/strlen/memcmp work of a C library, with
# the byte loops around it. Each of ROUNDS rounds
#   1. memsets a 1 MiB destination area with REP STOSD,
#   2. writes TEXT_SIZE bytes of pseudo-random text, a byte at a time (LCG, letters, a NUL
#      ending a word now and then), the last byte always NUL,
#   3. walks the text word by word: strlen with REPNE SCASB, memcpy to a destination whose
#      alignment drifts with REP MOVSD plus REP MOVSB for the tail, memcmp of the copy against the
#      original with REPE CMPSB (must be equal), and memcmp of each word against the previous one
#      (where they differ feeds the checksum),
#   4. moves the copied area up by 3 bytes with an overlapping backward REP MOVSB (STD),
#   5. upper-cases the copy in place and folds it into a Fletcher-style checksum, byte by byte.
# It prints the word count, the mismatches (0 when the string instructions work) and the
# checksum, and exits through isa-debug-exit with 0 (status 1).
        .include "common.inc"
        .include "pm32.inc"

        .set ROUNDS, 12
        .set TEXT, 0x100000             # the source text
        .set TEXT_SIZE, 0x40000         # 256 KiB
        .set DEST, 0x200000             # the copies, 1 MiB (memset each round)
        .set DEST_SIZE, 0x100000
        .set LCG_MUL, 1103515245        # x = x * 1103515245 + 12345 (mod 2^32)
        .set LCG_ADD, 12345

        .section .text16, "ax"
        .code16
        .globl main16
main16:
        jmp     enter_pm32

        .text
        .code32
        .globl main32
main32:
        movl    $1, lcg_state
        movl    $0, words
        movl    $0, mismatches
        movl    $0, checksum
        movl    $ROUNDS, rounds_left
round:
        # 1. memset(DEST, 0x5a5a5a5a + round, 1 MiB).
        mov     $DEST, %edi
        mov     $DEST_SIZE / 4, %ecx
        mov     $0x5a5a5a5a, %eax
        add     rounds_left, %eax
        rep stosl
        call    write_text
        call    copy_words
        call    shift_copy
        call    upcase_and_sum
        decl    rounds_left
        jnz     round

        PUTS32  "memops32: words"
        PUTHEX32 words
        PUTS32  ", mismatches"
        PUTHEX32 mismatches
        PUTS32  ", checksum"
        PUTHEX32 checksum
        PUTS32  "\r\n"
        xor     %eax, %eax
        jmp     exit32

# write_text: TEXT[0 .. TEXT_SIZE) = letters with a NUL about every 24 bytes; the last byte NUL.
write_text:
        mov     $TEXT, %edi
        mov     $TEXT_SIZE - 1, %ecx
        mov     lcg_state, %eax
1:      imul    $LCG_MUL, %eax, %eax
        add     $LCG_ADD, %eax
        mov     %eax, %edx
        shr     $24, %edx               # the high byte is the best-mixed of an LCG
        cmp     $11, %dl                # 11 of 256: a word ends
        jb      2f
        and     $31, %dl
        cmp     $26, %dl
        jb      3f
        sub     $26, %dl                # fold 26..31 back onto letters
3:      add     $'a', %dl
        jmp     4f
2:      xor     %dl, %dl
4:      mov     %dl, (%edi)
        inc     %edi
        dec     %ecx
        jnz     1b
        movb    $0, (%edi)
        mov     %eax, lcg_state
        ret

# copy_words: for each NUL-terminated word of TEXT: strlen, memcpy to the next destination,
# memcmp against the copy and against the previous word.
copy_words:
        mov     $TEXT, %esi             # the current word
        mov     $DEST, %ebx             # where its copy goes
        mov     %esi, %ebp              # the previous word (the first word compares with itself)
1:      # strlen: REPNE SCASB for the NUL; ECX counts down from -1.
        mov     %esi, %edi
        xor     %eax, %eax
        mov     $-1, %ecx
        repne scasb
        not     %ecx                    # the length including the NUL
        mov     %ecx, %edx
        incl    words
        # memcpy(EBX, ESI, EDX): dwords, then the 0-3 byte tail.
        push    %esi
        mov     %ebx, %edi
        shr     $2, %ecx
        rep movsl
        mov     %edx, %ecx
        and     $3, %ecx
        rep movsb
        pop     %esi
        # memcmp(copy, word, length) must find them equal.
        push    %esi
        mov     %ebx, %edi
        mov     %edx, %ecx
        repe cmpsb
        je      2f
        incl    mismatches
2:      pop     %esi
        # memcmp(word, previous word, length): the remaining count and the last bytes compared.
        push    %esi
        mov     %ebp, %edi
        mov     %edx, %ecx
        repe cmpsb
        movzbl  -1(%esi), %eax
        movzbl  -1(%edi), %edi
        sub     %edi, %eax
        imul    $31, %ecx, %ecx
        add     %ecx, %eax
        add     %eax, checksum
        pop     %esi
        # Next: the destination advances by the length plus its low two bits (alignment drifts).
        mov     %esi, %ebp
        add     %edx, %esi
        mov     %edx, %eax
        and     $3, %eax
        add     %edx, %ebx
        add     %eax, %ebx
        cmp     $TEXT + TEXT_SIZE, %esi
        jb      1b
        mov     %ebx, copy_end
        ret

# shift_copy: memmove(DEST + 3, DEST, copy_end - DEST), overlapping, so it must copy backwards.
shift_copy:
        mov     copy_end, %ecx
        sub     $DEST, %ecx
        lea     DEST - 1(%ecx), %esi
        lea     DEST + 3 - 1(%ecx), %edi
        std
        rep movsb
        cld
        addl    $3, copy_end
        ret

# upcase_and_sum: upper-case the letters of DEST .. copy_end in place, and fold every byte into a
# Fletcher-style sum (a += byte, b += a, both mod 2^16 kept in 32 bits).
upcase_and_sum:
        mov     $DEST, %esi
        mov     copy_end, %edi
        xor     %eax, %eax              # a
        xor     %edx, %edx              # b
1:      movzbl  (%esi), %ecx
        cmp     $'a', %cl
        jb      2f
        cmp     $'z', %cl
        ja      2f
        sub     $'a' - 'A', %cl
        mov     %cl, (%esi)
2:      add     %ecx, %eax
        movzwl  %ax, %eax
        add     %eax, %edx
        movzwl  %dx, %edx
        inc     %esi
        cmp     %edi, %esi
        jb      1b
        shl     $16, %edx
        or      %edx, %eax
        xor     %eax, checksum
        roll    $3, checksum
        ret

        .bss
        .balign 4
lcg_state:      .long 0
words:          .long 0
mismatches:     .long 0
checksum:       .long 0
rounds_left:    .long 0
copy_end:       .long 0
