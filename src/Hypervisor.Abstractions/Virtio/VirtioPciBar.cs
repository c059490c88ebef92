using System.Buffers.Binary;

namespace Hypervisor.Abstractions.Virtio;

/// <summary>
/// BAR 0 of a virtio-pci function: the common configuration, the ISR (read to acknowledge), the
/// device configuration and the notification page, each a 4 KiB page (<see cref="VirtioPciLayout"/>);
/// with MSI-X, the vector table and the pending bits after them.
/// </summary>
public sealed class VirtioPciBar(VirtioCore core, VirtioPciVectors? vectors = null) : IMmioDevice
{
    public ulong MmioSize => vectors == null ? VirtioPciLayout.BarSize : VirtioPciLayout.MsixBarSize;

    public ulong Read(ulong offset, int size)
    {
        ulong within = offset % VirtioPciLayout.RegionLength;
        switch (offset / VirtioPciLayout.RegionLength * VirtioPciLayout.RegionLength)
        {
            case VirtioPciLayout.CommonOffset when within + (ulong)size <= VirtioPciCommonConfig.Size:
                Span<byte> common = stackalloc byte[VirtioPciCommonConfig.Size + 8];
                SnapshotCommon(common);
                return BinaryPrimitives.ReadUInt64LittleEndian(common[(int)within..]) & Mask(size);
            case VirtioPciLayout.IsrOffset when within == 0:
                return core.TakeInterruptStatus();
            case VirtioPciLayout.DeviceOffset when within + (ulong)size <= (ulong)core.Device.ConfigSize:
                Span<byte> data = stackalloc byte[8];
                core.Device.ReadConfig((int)within, data[..size]);
                return BinaryPrimitives.ReadUInt64LittleEndian(data);
            case VirtioPciLayout.MsixTableOffset when vectors != null:
                return vectors.Table.ReadTable(within, size);
            case VirtioPciLayout.MsixPendingOffset when vectors != null:
                return vectors.Table.ReadPending(within, size);
            default:
                return 0;
        }
    }

    public void Write(ulong offset, int size, ulong value)
    {
        ulong within = offset % VirtioPciLayout.RegionLength;
        switch (offset / VirtioPciLayout.RegionLength * VirtioPciLayout.RegionLength)
        {
            case VirtioPciLayout.CommonOffset:
                WriteCommon((int)within, size, value);
                break;
            case VirtioPciLayout.DeviceOffset when within + (ulong)size <= (ulong)core.Device.ConfigSize:
                Span<byte> data = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(data, value);
                core.Device.WriteConfig((int)within, data[..size]);
                break;
            case VirtioPciLayout.NotifyOffset:
                core.Notify((int)(within / VirtioPciLayout.NotifyOffMultiplier));
                break;
            case VirtioPciLayout.MsixTableOffset when vectors != null:
                vectors.Table.WriteTable(within, size, value);
                break;
        }
    }

    private static ulong Mask(int size) => size == 8 ? ulong.MaxValue : (1UL << (8 * size)) - 1;

    private void SnapshotCommon(Span<byte> s)
    {
        var queue = core.SelectedQueue;
        BinaryPrimitives.WriteUInt32LittleEndian(s[VirtioPciCommonConfig.DeviceFeatureSelect..], core.DeviceFeaturesSelect);
        BinaryPrimitives.WriteUInt32LittleEndian(s[VirtioPciCommonConfig.DeviceFeature..], core.DeviceFeaturesWord);
        BinaryPrimitives.WriteUInt32LittleEndian(s[VirtioPciCommonConfig.DriverFeatureSelect..], core.DriverFeaturesSelect);
        BinaryPrimitives.WriteUInt32LittleEndian(s[VirtioPciCommonConfig.DriverFeature..], core.DriverFeaturesWord);
        BinaryPrimitives.WriteUInt16LittleEndian(s[VirtioPciCommonConfig.ConfigMsixVector..], vectors?.Config ?? VirtioPciCommonConfig.NoVector);
        BinaryPrimitives.WriteUInt16LittleEndian(s[VirtioPciCommonConfig.NumQueues..], (ushort)core.Queues.Count);
        s[VirtioPciCommonConfig.DeviceStatus] = core.Status;
        s[VirtioPciCommonConfig.ConfigGeneration] = (byte)core.ConfigGeneration;
        BinaryPrimitives.WriteUInt16LittleEndian(s[VirtioPciCommonConfig.QueueSelect..], core.QueueSelect);
        BinaryPrimitives.WriteUInt16LittleEndian(s[VirtioPciCommonConfig.QueueMsixVector..], vectors?.Queue(core.QueueSelect) ?? VirtioPciCommonConfig.NoVector);
        if (queue == null)
            return; // an absent queue reads size 0
        BinaryPrimitives.WriteUInt16LittleEndian(s[VirtioPciCommonConfig.QueueSize..], queue.Size);
        BinaryPrimitives.WriteUInt16LittleEndian(s[VirtioPciCommonConfig.QueueEnable..], queue.Ready ? (ushort)1 : (ushort)0);
        BinaryPrimitives.WriteUInt16LittleEndian(s[VirtioPciCommonConfig.QueueNotifyOff..], (ushort)queue.Index);
        BinaryPrimitives.WriteUInt64LittleEndian(s[VirtioPciCommonConfig.QueueDesc..], queue.DescriptorTable);
        BinaryPrimitives.WriteUInt64LittleEndian(s[VirtioPciCommonConfig.QueueDriver..], queue.DriverArea);
        BinaryPrimitives.WriteUInt64LittleEndian(s[VirtioPciCommonConfig.QueueDevice..], queue.DeviceArea);
    }

    private void WriteCommon(int at, int size, ulong value)
    {
        var queue = core.SelectedQueue;
        bool queueWritable = queue != null && !queue.Ready;
        switch (at)
        {
            case VirtioPciCommonConfig.DeviceFeatureSelect: core.DeviceFeaturesSelect = (uint)value; break;
            case VirtioPciCommonConfig.DriverFeatureSelect: core.DriverFeaturesSelect = (uint)value; break;
            case VirtioPciCommonConfig.DriverFeature: core.SetDriverFeaturesWord((uint)value); break;
            case VirtioPciCommonConfig.DeviceStatus:
                if ((byte)value == 0)
                    vectors?.Reset();
                core.SetStatus((byte)value);
                break;
            case VirtioPciCommonConfig.ConfigMsixVector: vectors?.SetConfig((ushort)value); break;
            case VirtioPciCommonConfig.QueueMsixVector when queue != null: vectors?.SetQueue(queue.Index, (ushort)value); break;
            case VirtioPciCommonConfig.QueueSelect: core.QueueSelect = (ushort)value; break;
            case VirtioPciCommonConfig.QueueSize when queueWritable: queue!.Size = (ushort)value; break;
            case VirtioPciCommonConfig.QueueEnable when (value & 1) != 0: core.SetQueueReady(true); break;
            default:
                if (queueWritable)
                    WriteQueueAddress(queue!, at, size, value);
                break;
        }
    }

    // The 64-bit ring addresses arrive as one qword or two dwords (Linux's vp_iowrite64_twopart).
    private static void WriteQueueAddress(Virtqueue queue, int at, int size, ulong value)
    {
        int field = at & ~7;
        bool high = (at & 7) == 4;
        if ((at & 7) is not (0 or 4) || (size != 4 && !(size == 8 && !high)))
            return;
        ulong Merge(ulong current) => size == 8 ? value
            : high ? (current & 0xffff_ffff) | (value << 32)
            : (current & 0xffff_ffff_0000_0000) | (uint)value;
        switch (field)
        {
            case VirtioPciCommonConfig.QueueDesc: queue.DescriptorTable = Merge(queue.DescriptorTable); break;
            case VirtioPciCommonConfig.QueueDriver: queue.DriverArea = Merge(queue.DriverArea); break;
            case VirtioPciCommonConfig.QueueDevice: queue.DeviceArea = Merge(queue.DeviceArea); break;
        }
    }
}
