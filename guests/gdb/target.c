/*
 * Multiboot guest "target" (with target.S): a small C program for the gdb stub test. main adds the
 * squares into a global the test watches, prints the sum on COM1 and ends through isa-debug-exit
 * (exit code 1, the guests' success).
 */
#define COM1_THR 0x3f8
#define COM1_LSR 0x3fd
#define LSR_THR_EMPTY 0x20
#define DEBUG_EXIT_PORT 0xf4

volatile unsigned int counter;
unsigned int squares[4] = { 1, 4, 9, 16 };

static void outb(unsigned short port, unsigned char value)
{
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static unsigned char inb(unsigned short port)
{
    unsigned char value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static void putc(char c)
{
    while (!(inb(COM1_LSR) & LSR_THR_EMPTY))
        ;
    outb(COM1_THR, c);
}

static void puts(const char *s)
{
    while (*s)
        putc(*s++);
}

static void exit_success(void)
{
    __asm__ volatile("outl %0, %1" : : "a"(0u), "Nd"((unsigned short)DEBUG_EXIT_PORT));
}

void main(void)
{
    puts("target: start\n");
    for (int i = 0; i < 4; i++)
        counter += squares[i];
    puts(counter == 30 ? "target: counter 30\n" : "target: counter wrong\n");
    exit_success();
}
