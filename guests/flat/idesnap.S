# The IDE snapshot guest (docs/snapshots.md): drives the piix3-ide disk by PIO so that a run
# snapshotted mid-transfer and restored must print what an uninterrupted run prints. IDENTIFY
# DEVICE, then 24 rounds of: READ SECTORS of the whole 8-sector disk (eight DRQ blocks, a checksum
# over every word), print the round's checksum, and WRITE SECTORS one sector with the round number
# (the disk is read-only: the writes stay in the device's memory and change what later rounds read).
# Polls the status register (no interrupts). Ends with "done" through isa-debug-exit (exit code 1).
# 16-bit real mode at 0000:1000.
        .code16
        .set COM1_THR, 0x3f8
        .set COM1_LSR, 0x3fd
        .set LSR_THR_EMPTY, 0x20
        .set ATA_DATA, 0x1f0
        .set ATA_COUNT, 0x1f2
        .set ATA_LBA_LOW, 0x1f3
        .set ATA_LBA_MID, 0x1f4
        .set ATA_LBA_HIGH, 0x1f5
        .set ATA_DEVICE, 0x1f6
        .set ATA_STATUS, 0x1f7
        .set ATA_COMMAND, 0x1f7
        .set ATA_BUSY, 0x80
        .set ATA_DRQ, 0x08
        .set ATA_LBA_MODE, 0xe0
        .set CMD_IDENTIFY, 0xec
        .set CMD_READ_SECTORS, 0x20
        .set CMD_WRITE_SECTORS, 0x30
        .set DISK_SECTORS, 8
        .set WORDS_PER_SECTOR, 256
        .set ROUNDS, 24
        .set STACK_TOP, 0x9000
        .set DEBUG_EXIT_PORT, 0xf4

        .text
        .globl _start
_start:
        cli
        xor     %ax, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $STACK_TOP, %sp
        mov     $banner, %si
        call    puts

        # IDENTIFY DEVICE: print the capacity (words 60-61) and a checksum of all 256 words.
        mov     $0, %bx
        mov     $0, %cl
        mov     $CMD_IDENTIFY, %al
        call    command
        xor     %bp, %bp
        call    read_block
        mov     $identify_text, %si
        call    puts
        mov     %bp, %ax
        call    hex16
        mov     $newline, %si
        call    puts

        movw    $0, round
next_round:
        # READ SECTORS 0-7: eight blocks, one checksum over all of them.
        mov     $0, %bx
        mov     $DISK_SECTORS, %cl
        mov     $CMD_READ_SECTORS, %al
        call    command
        xor     %bp, %bp
        mov     $DISK_SECTORS, %di
1:      call    read_block
        dec     %di
        jnz     1b
        mov     $round_text, %si
        call    puts
        mov     round, %ax
        call    hex16
        mov     $sum_text, %si
        call    puts
        mov     %bp, %ax
        call    hex16
        mov     $newline, %si
        call    puts
        # WRITE SECTORS: sector (round mod 8) becomes the round number, word after word.
        mov     round, %bx
        and     $(DISK_SECTORS - 1), %bx
        mov     $1, %cl
        mov     $CMD_WRITE_SECTORS, %al
        call    command
        call    wait_drq
        mov     $WORDS_PER_SECTOR, %cx
        mov     $ATA_DATA, %dx
        mov     round, %ax
2:      out     %ax, %dx
        inc     %ax
        loop    2b
        call    wait_ready
        incw    round
        cmpw    $ROUNDS, round
        jb      next_round

        mov     $done, %si
        call    puts
        xor     %ax, %ax
        out     %ax, $DEBUG_EXIT_PORT

# command: AL the command, BX the LBA (below 256), CL the sector count.
command:
        push    %ax
        call    wait_ready
        mov     $ATA_COUNT, %dx
        mov     %cl, %al
        out     %al, %dx
        mov     $ATA_LBA_LOW, %dx
        mov     %bl, %al
        out     %al, %dx
        xor     %al, %al
        mov     $ATA_LBA_MID, %dx
        out     %al, %dx
        mov     $ATA_LBA_HIGH, %dx
        out     %al, %dx
        mov     $ATA_DEVICE, %dx
        mov     $ATA_LBA_MODE, %al
        out     %al, %dx
        pop     %ax
        mov     $ATA_COMMAND, %dx
        out     %al, %dx
        ret

# read_block: waits for DRQ and reads one sector's words, stirring them into BP.
read_block:
        push    %cx
        call    wait_drq
        mov     $WORDS_PER_SECTOR, %cx
        mov     $ATA_DATA, %dx
1:      in      %dx, %ax
        rol     $3, %bp
        add     %ax, %bp
        loop    1b
        pop     %cx
        ret

wait_ready:
        mov     $ATA_STATUS, %dx
1:      in      %dx, %al
        test    $ATA_BUSY, %al
        jnz     1b
        ret

wait_drq:
        mov     $ATA_STATUS, %dx
1:      in      %dx, %al
        test    $ATA_BUSY, %al
        jnz     1b
        test    $ATA_DRQ, %al
        jz      1b
        ret

# putc: AL to COM1 (waits for THR empty). puts: the string at SI. hex16: AX as 4 hex digits.
putc:
        push    %dx
        push    %ax
        mov     $COM1_LSR, %dx
1:      in      %dx, %al
        test    $LSR_THR_EMPTY, %al
        jz      1b
        pop     %ax
        mov     $COM1_THR, %dx
        out     %al, %dx
        pop     %dx
        ret
puts:
        push    %ax
1:      lodsb
        test    %al, %al
        jz      2f
        call    putc
        jmp     1b
2:      pop     %ax
        ret
hex16:
        push    %cx
        push    %ax
        mov     $4, %cx
1:      rol     $4, %ax
        push    %ax
        and     $0xf, %al
        add     $'0', %al
        cmp     $'9', %al
        jbe     2f
        add     $('a' - '0' - 10), %al
2:      call    putc
        pop     %ax
        loop    1b
        pop     %ax
        pop     %cx
        ret

round:          .word 0
banner:         .asciz "ide snapshot guest: 24 rounds of PIO reads and writes\n"
identify_text:  .asciz "identify sum "
round_text:     .asciz "round "
sum_text:       .asciz " sum "
newline:        .asciz "\n"
done:           .asciz "done\n"
