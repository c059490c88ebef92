#!/bin/busybox sh
# /init of configs/linux.json's initramfs (scripts/linux-guest/build.sh): mounts the kernel
# filesystems, says it is up (the test bed waits for "minivmm-linux: up"), and runs a shell on the
# console. 'reboot -f' leaves: with reboot=k the kernel resets through the i8042, ending minivmm.
/bin/busybox mkdir -p /proc /sys /dev /tmp /bin /sbin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "minivmm-linux: up: $(uname -sr), $(grep -c ^processor /proc/cpuinfo) CPU, $(sed -n 's/MemTotal: *//p' /proc/meminfo) RAM, after $(cut -d' ' -f1 /proc/uptime) s"
grep -q minivmm.check=virtio /proc/cmdline && [ -x /virtio-check ] && /virtio-check
echo "minivmm-linux: type commands; 'reboot -f' ends the VM"
export PS1='minivmm-linux# ' HOME=/ PATH=/bin:/sbin
# cttyhack gives the shell the console as its controlling terminal (job control, Ctrl-C).
exec setsid cttyhack sh
