/*
 * The C floor for MiniVmm's KVM figures: drives /dev/kvm directly, as the seed article does.
 *   1. seed guest 1 (hello): must print "4\n" on port 0x3f8, then HLT;
 *   2. seed guest 2 (counter): runs for WARMUP + DURATION seconds, checks every value written to port
 *      0x10, and reports exits per second and per CPU second (the process's user + system time, guest
 *      time included: robust against other load on the host) over DURATION, the warm-up left out as
 *      minivmm's --stats does.
 * Output lines are the test bed's: "KVMTEST name PASS|FAIL reason" and "KVMMETRIC name value"; a case
 * still running after GUARD seconds prints "KVMTEST name FAIL (hung after GUARD s)" and ends the probe.
 * Usage: kvm_counter_probe [DURATION=2] [WARMUP=2] [GUARD=60] [LINGER=0]
 *   (LINGER: seconds the counter keeps running, uncounted, after its window: exit-rate.sh's side-by-side runs)
 * Build: gcc -O2 -static -o kvm_counter_probe kvm_counter_probe.c
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* mov $0x3f8,%dx; add %bl,%al; add $'0',%al; out %al,(%dx); mov $'\n',%al; out %al,(%dx); hlt */
static const unsigned char hello[] = {0xba, 0xf8, 0x03, 0x00, 0xd8, 0x04, 0x30, 0xee, 0xb0, 0x0a, 0xee, 0xf4};
/* xor %ax,%ax; 1: out %ax,$0x10; inc %ax; jmp 1b */
static const unsigned char counter[] = {0x31, 0xc0, 0xe7, 0x10, 0x40, 0xeb, 0xfb};

struct vm {
    int vm, vcpu;
    struct kvm_run *run;
};

static int kvm;
static int run_size;

static double clock_seconds(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void) { return clock_seconds(CLOCK_MONOTONIC); }
static double cpu_now(void) { return clock_seconds(CLOCK_PROCESS_CPUTIME_ID); }

/* The per-case guard: the case running when the alarm rings is reported as hung. */
static const char *volatile current_case = "c-probe";
static unsigned guard_seconds = 60;

static void hung(int signal)
{
    (void)signal;
    char line[160];
    int n = snprintf(line, sizeof line, "KVMTEST %s FAIL (hung after %u s)\n", current_case, guard_seconds);
    write(STDOUT_FILENO, line, n > 0 ? (size_t)n : 0);
    _exit(1);
}

static void start_case(const char *name)
{
    current_case = name;
    printf("KVMTB case-start %s\n", name);
    fflush(stdout);
    alarm(guard_seconds);
}

/* A VM with one slot of `size` bytes at guest 0x0, `image` at `load`, real mode at cs:ip. */
static int create(struct vm *m, const unsigned char *image, size_t length, unsigned long load,
                  unsigned short cs, unsigned long ip, unsigned long rax, unsigned long rbx)
{
    const unsigned long size = 0x20000;
    m->vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (m->vm < 0) return -1;
    unsigned char *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return -1;
    memcpy(mem + load, image, length);
    struct kvm_userspace_memory_region region = {.slot = 0, .guest_phys_addr = 0, .memory_size = size, .userspace_addr = (unsigned long)mem};
    if (ioctl(m->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) return -1;
    if (ioctl(m->vm, KVM_SET_TSS_ADDR, 0xfffbd000ul) < 0) return -1;
    m->vcpu = ioctl(m->vm, KVM_CREATE_VCPU, 0);
    if (m->vcpu < 0) return -1;
    m->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, m->vcpu, 0);
    if (m->run == MAP_FAILED) return -1;
    struct kvm_sregs sregs;
    if (ioctl(m->vcpu, KVM_GET_SREGS, &sregs) < 0) return -1;
    sregs.cs.selector = cs;
    sregs.cs.base = (unsigned long)cs << 4;
    sregs.ss = sregs.ds = sregs.es = sregs.cs;
    sregs.ss.type = sregs.ds.type = sregs.es.type = 3;
    if (ioctl(m->vcpu, KVM_SET_SREGS, &sregs) < 0) return -1;
    struct kvm_regs regs = {.rip = ip, .rax = rax, .rbx = rbx, .rflags = 2};
    return ioctl(m->vcpu, KVM_SET_REGS, &regs);
}

static void test_hello(void)
{
    start_case("c-seed-hello");
    struct vm m;
    if (create(&m, hello, sizeof hello, 0x1000, 0, 0x1000, 2, 2) < 0) {
        printf("KVMTEST c-seed-hello FAIL setup: %s\n", strerror(errno));
        return;
    }
    char out[16];
    int n = 0;
    for (;;) {
        if (ioctl(m.vcpu, KVM_RUN, 0) < 0) {
            printf("KVMTEST c-seed-hello FAIL KVM_RUN: %s\n", strerror(errno));
            return;
        }
        if (m.run->exit_reason == KVM_EXIT_IO && m.run->io.port == 0x3f8 && n < 15) {
            out[n++] = *((char *)m.run + m.run->io.data_offset);
            continue;
        }
        break;
    }
    out[n] = 0;
    if (m.run->exit_reason == KVM_EXIT_HLT && strcmp(out, "4\n") == 0)
        printf("KVMTEST c-seed-hello PASS\n");
    else
        printf("KVMTEST c-seed-hello FAIL exit %u after output '%s'\n", m.run->exit_reason, out);
}

static void test_counter(double duration, double warmup, double linger)
{
    start_case("c-seed-counter");
    struct vm m;
    if (create(&m, counter, sizeof counter, 0x10000, 0x1000, 0, 0, 0) < 0) {
        printf("KVMTEST c-seed-counter FAIL setup: %s\n", strerror(errno));
        return;
    }
    unsigned short expected = 0;
    long exits = 0, exits_at_warm = 0, counted = 0;
    double start = now(), elapsed = 0, warm_at = start, cpu_at_warm = cpu_now(), cpu = 0, done_at = 0;
    int warm = warmup <= 0, done = 0;
    for (;;) {
        if (ioctl(m.vcpu, KVM_RUN, 0) < 0) {
            printf("KVMTEST c-seed-counter FAIL KVM_RUN: %s\n", strerror(errno));
            return;
        }
        if (m.run->exit_reason != KVM_EXIT_IO || m.run->io.port != 0x10 || m.run->io.size != 2) {
            printf("KVMTEST c-seed-counter FAIL unexpected exit %u\n", m.run->exit_reason);
            return;
        }
        unsigned short value = *(unsigned short *)((char *)m.run + m.run->io.data_offset);
        if (value != expected) {
            printf("KVMTEST c-seed-counter FAIL exit %ld: expected %u, got %u\n", exits, expected, value);
            return;
        }
        expected++;
        exits++;
        if ((exits & 1023) != 0)
            continue;
        if (!warm && now() - start >= warmup) {
            warm = 1;
            warm_at = now();
            cpu_at_warm = cpu_now();
            exits_at_warm = exits;
        } else if (warm && !done && (elapsed = now() - warm_at) >= duration) {
            /* The window ends here; with LINGER the loop goes on uncounted, so a VMM measured beside
               this probe shares the host with it until its own window ends too. */
            cpu = cpu_now() - cpu_at_warm;
            counted = exits - exits_at_warm;
            done = 1;
            done_at = now();
            if (linger <= 0)
                break;
        } else if (done && now() - done_at >= linger) {
            break;
        }
    }
    printf("KVMTEST c-seed-counter PASS\n");
    printf("KVMMETRIC c_counter_exits_per_second %.0f\n", counted / elapsed);
    printf("KVMMETRIC c_counter_exits_per_cpu_second %.0f\n", counted / cpu);
}

int main(int argc, char **argv)
{
    double duration = argc > 1 ? atof(argv[1]) : 2.0;
    double warmup = argc > 2 ? atof(argv[2]) : 2.0;
    guard_seconds = argc > 3 ? (unsigned)atoi(argv[3]) : 60;
    double linger = argc > 4 ? atof(argv[4]) : 0.0;
    signal(SIGALRM, hung);
    kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) {
        printf("KVMTEST c-seed-hello SKIP cannot open /dev/kvm: %s\n", strerror(errno));
        printf("KVMTEST c-seed-counter SKIP cannot open /dev/kvm: %s\n", strerror(errno));
        return 0;
    }
    run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    test_hello();
    test_counter(duration, warmup, linger);
    alarm(0);
    return 0;
}
