# A 16-bit real-mode benchmark guest (configs/bench/real16.json, scripts/bench-vs-qemu.sh): the
# work a real-mode BIOS or DOS program does, on 64 KiB segments with 16-bit registers. Each of
# ROUNDS rounds
#   1. fills segment SRC with 32768 pseudo-random words (16-bit LCG, MUL, STOSW, LOOP),
#   2. copies SRC to DST with REP MOVSB (two 32 KiB halves),
#   3. clears a 256-word histogram with REP STOSW and counts DST's byte values into it
#      (FS:/GS: segment overrides, MOVZX, a 64 Ki-iteration loop that ends when SI wraps to 0),
#   4. insertion-sorts the first SORT_WORDS words of DST (compares, branches, word moves),
#   5. checks the unsorted rest of DST still equals SRC with REPE CMPSW,
#   6. folds DST (LODSW) and the histogram into a running 16-bit checksum (ROL, XOR, ADD).
# It prints the checksum and the LCG state and exits through isa-debug-exit with 0 (status 1).
        .include "common.inc"

        .set ROUNDS, 48
        .set SRC_SEG, 0x2000            # 0x20000-0x2ffff: the generated words
        .set DST_SEG, 0x3000            # 0x30000-0x3ffff: the copy that is sorted and summed
        .set VAR_SEG, 0x4000            # 0x40000: the histogram, then the variables below
        .set HISTOGRAM, 0               # 256 words, one per byte value
        .set SEED, 0x200                # the LCG state, carried across rounds
        .set SUM, 0x202                 # the running checksum
        .set MISMATCHES, 0x204          # words REPE CMPSW found unequal (0 when string ops work)
        .set WORDS, 0x8000              # words in a 64 KiB segment
        .set SORT_WORDS, 640            # insertion sort is quadratic: ~100 Ki inner steps a round
        .set LCG_MUL, 25173             # x = x * 25173 + 13849 (mod 2^16), a full-period LCG
        .set LCG_ADD, 13849

        .section .text16, "ax"
        .code16
        .globl main16
main16:
        mov     $VAR_SEG, %ax
        mov     %ax, %gs                # GS: the variables, for the whole run
        movw    $1, %gs:SEED
        movw    $0, %gs:SUM
        movw    $0, %gs:MISMATCHES
        mov     $ROUNDS, %bp
round:
        # 1. SRC[i] = next LCG value, 32768 times.
        mov     $SRC_SEG, %ax
        mov     %ax, %es
        xor     %di, %di
        mov     $WORDS, %cx
        mov     %gs:SEED, %ax
        mov     $LCG_MUL, %bx
1:      mul     %bx                     # DX:AX = AX * 25173; DX is dropped (mod 2^16)
        add     $LCG_ADD, %ax
        stosw
        loop    1b
        mov     %ax, %gs:SEED

        # 2. DST = SRC, byte by byte.
        mov     $SRC_SEG, %ax
        mov     %ax, %ds
        mov     $DST_SEG, %ax
        mov     %ax, %es
        xor     %si, %si
        xor     %di, %di
        mov     $WORDS, %cx             # 32 KiB (CX = 0 would copy nothing, so two halves)
        rep movsb
        mov     $WORDS, %cx
        rep movsb

        # 3. Histogram of DST's 65536 bytes.
        mov     $VAR_SEG, %ax
        mov     %ax, %es
        mov     $HISTOGRAM, %di
        mov     $256, %cx
        xor     %ax, %ax
        rep stosw
        mov     $DST_SEG, %ax
        mov     %ax, %fs
        xor     %si, %si
2:      movzbw  %fs:(%si), %bx
        shl     $1, %bx
        incw    %gs:HISTOGRAM(%bx)
        inc     %si
        jnz     2b                      # SI wrapped: every byte of the segment counted

        # 4. Insertion sort of DST[0 .. SORT_WORDS), unsigned.
        mov     $DST_SEG, %ax
        mov     %ax, %ds
        mov     $2, %si                 # byte offset of the word being inserted
3:      mov     (%si), %ax              # the key
        mov     %si, %di
4:      mov     -2(%di), %dx
        cmp     %ax, %dx
        jbe     5f                      # DST[j-1] <= key: the key goes at j
        mov     %dx, (%di)
        sub     $2, %di
        jnz     4b
5:      mov     %ax, (%di)
        add     $2, %si
        cmp     $SORT_WORDS * 2, %si
        jb      3b

        # 5. The unsorted rest of DST must still equal SRC: DS:SI = SRC, ES:DI = DST.
        mov     $SRC_SEG, %ax
        mov     %ax, %ds
        mov     $DST_SEG, %ax
        mov     %ax, %es
        mov     $SORT_WORDS * 2, %si
        mov     %si, %di
        mov     $WORDS - SORT_WORDS, %cx
6:      repe cmpsw
        je      7f                      # ran to the end with everything equal
        incw    %gs:MISMATCHES          # a difference: count it and compare on
        test    %cx, %cx
        jnz     6b
7:
        # 6. Fold DST and the histogram into the checksum.
        mov     $DST_SEG, %ax
        mov     %ax, %ds
        xor     %si, %si
        mov     %gs:SUM, %dx
        mov     $WORDS, %cx
8:      lodsw
        rol     $3, %dx
        xor     %ax, %dx
        add     %cx, %dx
        loop    8b
        mov     $HISTOGRAM, %bx
        mov     $256, %cx
9:      add     %gs:(%bx), %dx
        rol     $1, %dx
        add     $2, %bx
        loop    9b
        mov     %dx, %gs:SUM

        dec     %bp
        jnz     round

        xor     %ax, %ax
        mov     %ax, %ds
        mov     %ax, %es
        PUTS16  "real16: checksum "
        mov     %gs:SUM, %ax
        call    hex16_word
        PUTS16  ", lcg "                # (an even number of half periods returns the full-period LCG to 1)
        mov     %gs:SEED, %ax
        call    hex16_word
        PUTS16  ", mismatches "
        mov     %gs:MISMATCHES, %ax
        call    hex16_word
        PUTS16  "\r\n"
        xor     %al, %al
        jmp     exit16
