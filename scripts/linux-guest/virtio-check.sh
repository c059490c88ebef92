#!/bin/busybox sh
# /virtio-check in the i386 initramfs (build.sh), run by /init when the command line has
# minivmm.check=virtio (configs/linux-i386-virtio.json, boot.sh --virtio): loads the virtio and ext4
# modules from Debian's own kernel package, then proves each device with a "minivmm-virtio:" line:
# the disk (size, serial, a known file read from its ext4 file system, a file written and synced),
# /dev/hwrng and hvc0; with minivmm.ip=A.B.C.D minivmm.peer=E.F.G.H (scripts/linux-guest/net-pair.sh)
# it also brings eth0 up and pings the other VM on the virtio-net wire.
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk virtio-rng virtio_console \
         failover net_failover virtio_net crc16 mbcache jbd2 crc32c_generic ext4; do
    insmod "/lib/modules/$m.ko" || echo "minivmm-virtio: insmod $m failed"
done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 20 ]; do sleep 1; i=$((i + 1)); done
echo "minivmm-virtio: disk: $(cat /sys/block/vda/size 2>/dev/null) sectors, serial '$(cat /sys/block/vda/serial 2>/dev/null)', ro $(cat /sys/block/vda/ro 2>/dev/null)"
mkdir -p /mnt
if mount -t ext4 /dev/vda /mnt; then
    echo "minivmm-virtio: file: $(cat /mnt/hello.txt)"
    echo "written by the guest: $(cat /proc/sys/kernel/random/boot_id)" > /mnt/written.txt && sync && echo "minivmm-virtio: wrote: $(cat /mnt/written.txt)"
    umount /mnt
fi
echo "minivmm-virtio: hwrng: $(cat /sys/class/misc/hw_random/rng_current 2>/dev/null) $(head -c 16 /dev/hwrng | od -An -tx1 | tr -d ' \n')"
[ -c /dev/hvc0 ] && echo "minivmm-virtio: hello on hvc0" > /dev/hvc0 && echo "minivmm-virtio: hvc0 written"
echo "minivmm-virtio: irqs: $(grep virtio /proc/interrupts | awk '{ printf "%s=%s ", $NF, $2 }')"
echo "minivmm-virtio: pci-msi lines: $(grep virtio /proc/interrupts | grep -c PCI-MSI)"
ip=$(sed -n 's/.*minivmm.ip=\([0-9.]*\).*/\1/p' /proc/cmdline)
peer=$(sed -n 's/.*minivmm.peer=\([0-9.]*\).*/\1/p' /proc/cmdline)
if [ -n "$ip" ] && [ -n "$peer" ] && [ -e /sys/class/net/eth0 ]; then
    ifconfig eth0 "$ip" netmask 255.255.255.0 up
    echo "minivmm-virtio: eth0 $(cat /sys/class/net/eth0/address) $ip"
    i=0 # the other VM may still be booting
    while [ $i -lt 150 ] && ! ping -c 1 -W 2 "$peer" >/dev/null 2>&1; do i=$((i + 1)); done
    ping -c 3 -W 5 "$peer" | grep -q " 0% packet loss" && echo "minivmm-virtio: ping $peer: ok" || echo "minivmm-virtio: ping $peer: failed"
fi
