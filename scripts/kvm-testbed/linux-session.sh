#!/bin/busybox sh
# Inside the test bed: minivmm boots configs/linux.json (Debian's kernel + the busybox initramfs of
# scripts/linux-guest) on the nested /dev/kvm. Like a user at the console, it waits for the shell,
# types a command on minivmm's stdin, checks the answer, and types 'poweroff -f', which must end
# minivmm with exit code 0 (ACPI S5 through the acpi-pm device, whose SCI reaches KVM's in-kernel
# irqchip). With VCPUS > 1 the guest must also count that many CPUs (KVM's in-kernel local APICs start
# the APs; the MADT lists them and KVM's I/O APIC) and take interrupts through the I/O APIC.
# Prints KVMTEST/KVMMETRIC lines.
#   linux-session.sh SECONDS [VCPUS]   how long the boot to the shell may take; vCPUs (default 1)
limit=${1:-60}
vcpus=${2:-1}
case_name=minivmm-linux-shell
[ "$vcpus" != 1 ] && case_name=minivmm-linux-smp
cd /repo || exit 1
rm -f /tmp/linux.in /tmp/linux.out /tmp/linux.err
mkfifo /tmp/linux.in
start=$(cut -d' ' -f1 /proc/uptime)
timeout $((limit + 60)) /app/minivmm --machine configs/linux.json --set vcpus=$vcpus --stats </tmp/linux.in >/tmp/linux.out 2>/tmp/linux.err &
pid=$!
exec 3>/tmp/linux.in      # the console's keyboard: held open so minivmm never sees end of input

# wait_for TEXT SECONDS: until the guest printed TEXT (0), minivmm ended, or the time ran out (1).
wait_for() {
    i=0
    while [ "$i" -lt "$2" ]; do
        grep -qF "$1" /tmp/linux.out && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 1
        i=$((i + 1))
    done
    return 1
}
tail_of() { tail -c 300 "$1" | tr '\r\n' '  '; }

verdict="FAIL"
if ! wait_for "minivmm-linux: type commands" "$limit"; then
    detail="no shell within $limit s; console: $(tail_of /tmp/linux.out) stderr: $(tail_of /tmp/linux.err)"
else
    ready=$(cut -d' ' -f1 /proc/uptime)
    # The answer also counts the 16550's interrupts Linux took: proof that IRQ 4 reaches it through KVM_IRQ_LINE.
    echo 'echo typed-$((6*7)) on $(uname -m) serial-irqs=$(awk "/ttyS0/ { n = 0; for (i = 2; i <= NF; i++) if (\$i ~ /^[0-9]+\$/) n += \$i; print n }" /proc/interrupts)/ nproc=$(nproc) ioapic=$(grep -c IO-APIC /proc/interrupts)/' >&3
    if ! wait_for "typed-42 on x86_64" 30; then
        detail="the typed command did not answer; console: $(tail_of /tmp/linux.out)"
    elif ! irqs=$(sed -n 's/.*typed-42 on x86_64 serial-irqs=\([0-9]*\)\/.*/\1/p' /tmp/linux.out | head -n 1) || [ -z "$irqs" ] || [ "$irqs" = 0 ]; then
        detail="Linux counted no ttyS0 interrupts (IRQ 4 does not reach it): $(grep -a 'typed-42' /tmp/linux.out | tail -n 1)"
    elif [ "$vcpus" != 1 ] && ! grep -aq "nproc=$vcpus ioapic=[1-9]" /tmp/linux.out; then
        detail="expected $vcpus CPUs and IO-APIC interrupts: $(grep -a 'typed-42' /tmp/linux.out | tail -n 1 | tr -d '\r')"
    elif [ "$vcpus" != 1 ] && ! { echo 'spin() { i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; }; spin & spin & wait; echo parallel-$((3*3)) done' >&3; wait_for "parallel-9 done" 120; }; then
        detail="two busy loops in parallel did not finish; console: $(tail_of /tmp/linux.out)"
    else
        echo 'poweroff -f' >&3
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
        if kill -0 "$pid" 2>/dev/null; then
            detail="minivmm still runs 30 s after 'poweroff -f'"
            kill "$pid"
        else
            wait "$pid"
            status=$?
            if [ "$status" = 0 ]; then
                verdict="PASS"
                detail="shell after $(echo "$ready - $start" | bc 2>/dev/null || echo "?") s, $irqs ttyS0 interrupts, $(grep -ao 'nproc=[0-9]* ioapic=[0-9]*' /tmp/linux.out | head -n 1); $(grep -o 'minivmm-linux: up: [^,]*' /tmp/linux.out | head -n 1)"
            else
                detail="minivmm exited $status after 'poweroff -f': $(tail_of /tmp/linux.err)"
            fi
        fi
    fi
fi
kill "$pid" 2>/dev/null
exec 3>&-
echo "KVMTEST $case_name $verdict $detail"
if [ "$verdict" != PASS ]; then
    tr -d '\r' < /tmp/linux.out | tail -n 40 | sed "s/^/KVMTB $case_name| /"
fi
metric=minivmm_linux; [ "$vcpus" != 1 ] && metric=minivmm_linux_smp
sed -n "s/^ *first guest output on stdio \([0-9]*\) ms after minivmm started.*/KVMMETRIC ${metric}_first_serial_byte_ms \1/p" /tmp/linux.err
grep -m1 'first guest output' /tmp/linux.err >/dev/null || echo "KVMTB minivmm-linux stderr: $(tail_of /tmp/linux.err)"
