# A 32-bit protected-mode benchmark guest with paging on (configs/bench/paged32.json,
# scripts/bench-vs-qemu.sh): the work of a kernel's or program's data structures, where every
# load and store goes through the page tables. The heap is 512 4 KiB pages at virtual HEAP
# whose frames are scattered over 2 MiB of RAM (page i -> frame i * FRAME_STRIDE mod 512), so a
# walk of the heap keeps changing frames and a wrong translation changes the result. Each of
# ROUNDS rounds
#   1. clears a 1 MiB open-addressing hash table (2^17 slots of key, count) with REP STOSD,
#   2. counts INSERTS pseudo-random keys into it (xorshift32, multiplicative hash, linear
#      probing; CALL/RET, PUSH/POP, IMUL, SHR),
#   3. looks up LOOKUPS further keys: hits (SETcc), the largest count (CMOVcc), the sum of counts,
#   4. multiplies a 64x64 matrix of signed bytes (MOVSX) by one of unsigned words (MOVZX) into
#      dwords (IMUL), and folds the product into a checksum (SHL, SHR, XOR).
# It prints the hits, the largest count and the checksum, and exits through isa-debug-exit
# with 0 (status 1).
        .include "common.inc"
        .include "pm32.inc"

        .set ROUNDS, 10
        .set PAGE_DIR, 0x80000          # page directory and the two page tables, below 640 KiB
        .set PT_LOW, 0x81000            # identity map of 0-4 MiB: code, data, stacks, tables, frames
        .set PT_HEAP, 0x82000           # the heap's 4 MiB of virtual space
        .set PTE_PRESENT_WRITABLE, 0x3
        .set HEAP, 0x40000000           # virtual base of the heap (page directory entry 256)
        .set HEAP_FRAMES, 0x100000      # physical frames 0x100000-0x2fffff back the heap
        .set HEAP_PAGES, 512
        .set FRAME_STRIDE, 167          # odd, so i * 167 mod 512 is a permutation of the frames

        .set SLOTS_LOG2, 17
        .set SLOTS, 1 << SLOTS_LOG2
        .set TABLE, HEAP                # SLOTS slots of 8 bytes: key (0 = empty), count
        .set KEY_MASK, 0x3ffff          # keys 1..2^18: duplicates among the inserts, some lookup hits
        .set INSERTS, 65536             # half the slots, so probe chains stay short
        .set LOOKUPS, 65536
        .set HASH_MUL, 0x9e3779b1       # Knuth's multiplicative hash (2^32 / golden ratio)

        .set N, 64                      # matrix order
        .set MAT_A, HEAP + 0x100000     # N x N signed bytes
        .set MAT_B, MAT_A + N * N       # N x N unsigned words
        .set MAT_C, MAT_B + N * N * 2   # N x N dwords

        .section .text16, "ax"
        .code16
        .globl main16
main16:
        jmp     enter_pm32

        .text
        .code32
        .globl main32
main32:
        call    enable_paging
        movl    $1, rng_state
        movl    $0, checksum
        movl    $ROUNDS, rounds_left
round:
        # 1. Empty table.
        mov     $TABLE, %edi
        mov     $SLOTS * 2, %ecx
        xor     %eax, %eax
        rep stosl
        # 2. Insert.
        mov     $INSERTS, %ebp
1:      call    random_key
        call    insert
        dec     %ebp
        jnz     1b
        # 3. Look up: EBX = hits, ESI = largest count, EDI = sum of counts.
        xor     %ebx, %ebx
        xor     %esi, %esi
        xor     %edi, %edi
        mov     $LOOKUPS, %ebp
2:      call    random_key
        call    lookup
        add     %eax, %edi
        cmp     %esi, %eax
        cmova   %eax, %esi
        test    %eax, %eax
        setnz   %al
        movzbl  %al, %eax
        add     %eax, %ebx
        dec     %ebp
        jnz     2b
        mov     %ebx, hits
        mov     %esi, largest
        mov     checksum, %eax
        rol     $7, %eax
        xor     %ebx, %eax
        add     %esi, %eax
        xor     %edi, %eax
        mov     %eax, checksum
        # 4. Matrices.
        call    fill_matrices
        call    multiply
        call    fold_product
        decl    rounds_left
        jnz     round

        PUTS32  "paged32: hits"
        PUTHEX32 hits
        PUTS32  ", largest count"
        PUTHEX32 largest
        PUTS32  ", checksum"
        PUTHEX32 checksum
        PUTS32  "\r\n"
        xor     %eax, %eax
        jmp     exit32

# enable_paging: build the page directory and tables, load CR3, set CR0.PG and CR0.WP.
enable_paging:
        mov     $PAGE_DIR, %edi
        mov     $1024 * 3, %ecx         # the directory and both tables
        xor     %eax, %eax
        rep stosl
        movl    $PT_LOW | PTE_PRESENT_WRITABLE, PAGE_DIR
        movl    $PT_HEAP | PTE_PRESENT_WRITABLE, PAGE_DIR + (HEAP >> 22) * 4
        mov     $PT_LOW, %edi
        mov     $PTE_PRESENT_WRITABLE, %eax
        mov     $1024, %ecx
1:      stosl
        add     $0x1000, %eax
        loop    1b
        xor     %ecx, %ecx
2:      imul    $FRAME_STRIDE, %ecx, %eax
        and     $HEAP_PAGES - 1, %eax
        shl     $12, %eax
        add     $HEAP_FRAMES | PTE_PRESENT_WRITABLE, %eax
        mov     %eax, PT_HEAP(, %ecx, 4)
        inc     %ecx
        cmp     $HEAP_PAGES, %ecx
        jb      2b
        mov     $PAGE_DIR, %eax
        mov     %eax, %cr3
        mov     %cr0, %eax
        or      $CR0_PG | CR0_WP, %eax
        mov     %eax, %cr0
        jmp     3f                      # (a jump after enabling paging, as the SDM asks)
3:      ret

# random: EAX = the next xorshift32 value. Preserves every other register.
random:
        push    %edx
        mov     rng_state, %eax
        mov     %eax, %edx
        shl     $13, %edx
        xor     %edx, %eax
        mov     %eax, %edx
        shr     $17, %edx
        xor     %edx, %eax
        mov     %eax, %edx
        shl     $5, %edx
        xor     %edx, %eax
        mov     %eax, rng_state
        pop     %edx
        ret

# random_key: EAX = a pseudo-random key in 1..KEY_MASK+1 (never 0, the empty slot).
random_key:
        call    random
        and     $KEY_MASK, %eax
        inc     %eax
        ret

# hash: EAX = the home slot of key EAX.
hash:
        imul    $HASH_MUL, %eax, %eax
        shr     $32 - SLOTS_LOG2, %eax
        ret

# insert: count one more occurrence of key EAX. Clobbers EAX, ECX.
insert:
        push    %edx
        mov     %eax, %edx
        call    hash
1:      mov     TABLE(, %eax, 8), %ecx
        test    %ecx, %ecx
        jz      2f                      # an empty slot: the key is new
        cmp     %edx, %ecx
        je      3f
        inc     %eax                    # taken by another key: probe the next slot
        and     $SLOTS - 1, %eax
        jmp     1b
2:      mov     %edx, TABLE(, %eax, 8)
3:      incl    TABLE + 4(, %eax, 8)
        pop     %edx
        ret

# lookup: EAX = the count of key EAX (0 when absent). Clobbers ECX.
lookup:
        push    %edx
        mov     %eax, %edx
        call    hash
1:      mov     TABLE(, %eax, 8), %ecx
        test    %ecx, %ecx
        jz      2f
        cmp     %edx, %ecx
        je      3f
        inc     %eax
        and     $SLOTS - 1, %eax
        jmp     1b
2:      xor     %eax, %eax
        pop     %edx
        ret
3:      mov     TABLE + 4(, %eax, 8), %eax
        pop     %edx
        ret

# fill_matrices: A = pseudo-random signed bytes, B = pseudo-random unsigned words.
fill_matrices:
        mov     $MAT_A, %edi
        mov     $N * N, %ecx
1:      call    random
        mov     %al, (%edi)
        inc     %edi
        loop    1b
        mov     $MAT_B, %edi
        mov     $N * N, %ecx
2:      call    random
        mov     %ax, (%edi)
        add     $2, %edi
        loop    2b
        ret

# multiply: C[i][j] = sum over k of A[i][k] (sign-extended) * B[k][j] (zero-extended).
multiply:
        pusha
        mov     $MAT_C, %ebp            # the next C element
        mov     $MAT_A, %edx            # row i of A
1:      xor     %eax, %eax              # j
2:      push    %eax
        push    %edx
        lea     MAT_B(, %eax, 2), %edi  # column j of B
        mov     %edx, %esi
        xor     %ebx, %ebx              # the sum
        mov     $N, %ecx
3:      movsbl  (%esi), %eax
        movzwl  (%edi), %edx
        imul    %edx, %eax
        add     %eax, %ebx
        inc     %esi
        add     $N * 2, %edi
        dec     %ecx
        jnz     3b
        mov     %ebx, (%ebp)
        add     $4, %ebp
        pop     %edx
        pop     %eax
        inc     %eax
        cmp     $N, %eax
        jb      2b
        add     $N, %edx
        cmp     $MAT_A + N * N, %edx
        jb      1b
        popa
        ret

# fold_product: checksum = fold of C (each element shifted by its position mod 8, mixed in).
fold_product:
        mov     $MAT_C, %esi
        mov     $N * N, %ecx
        mov     checksum, %edx
1:      mov     (%esi), %eax
        mov     %ecx, %ebx
        and     $7, %ebx
        xchg    %ebx, %ecx
        shl     %cl, %eax
        xchg    %ebx, %ecx
        xor     %eax, %edx
        mov     %edx, %eax
        shr     $11, %eax
        add     %eax, %edx
        add     $4, %esi
        loop    1b
        mov     %edx, checksum
        ret

        .bss
        .balign 4
rng_state:      .long 0
checksum:       .long 0
rounds_left:    .long 0
hits:           .long 0
largest:        .long 0
