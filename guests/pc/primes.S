# A compute-bound guest for benchmarks (scripts/bench-vs-qemu.sh, configs/primes.json): counts
# the primes below LIMIT with a sieve of Eratosthenes in 32-bit protected mode, ROUNDS times,
# prints the count and a checksum over the sieve, and exits through isa-debug-exit with 0
# (status 1). Integer ALU, loads/stores and branches, as a kernel's hot loops are.
        .include "common.inc"
        .include "pm32.inc"

        .set LIMIT, 1000000
        .set ROUNDS, 10
        .set SIEVE, 0x100000            # 1 MiB of RAM at 1 MiB holds one byte per number

        .section .text16, "ax"
        .code16
        .globl main16
main16:
        jmp     enter_pm32

        .text
        .code32
        .globl main32
main32:
        mov     $ROUNDS, %ebp
round:
        # Mark every number as a candidate.
        mov     $SIEVE, %edi
        mov     $LIMIT / 4, %ecx
        mov     $0x01010101, %eax
        rep stosl
        movb    $0, SIEVE
        movb    $0, SIEVE + 1
        # Strike out the multiples of each prime p with p * p < LIMIT.
        mov     $2, %ebx
1:      mov     %ebx, %eax
        imul    %ebx, %eax
        cmp     $LIMIT, %eax
        jae     3f
        cmpb    $0, SIEVE(%ebx)
        je      2f
4:      movb    $0, SIEVE(%eax)
        add     %ebx, %eax
        cmp     $LIMIT, %eax
        jb      4b
2:      inc     %ebx
        jmp     1b
        # Count the primes and fold their values into a checksum.
3:      xor     %ecx, %ecx              # count
        xor     %edx, %edx              # checksum
        xor     %ebx, %ebx
5:      cmpb    $0, SIEVE(%ebx)
        je      6f
        inc     %ecx
        rol     $5, %edx
        xor     %ebx, %edx
6:      inc     %ebx
        cmp     $LIMIT, %ebx
        jb      5b
        dec     %ebp
        jnz     round

        PUTS32  "primes below 1000000:"
        PUTHEX32 %ecx
        PUTS32  ", checksum"
        PUTHEX32 %edx
        PUTS32  "\r\n"
        xor     %eax, %eax
        jmp     exit32
