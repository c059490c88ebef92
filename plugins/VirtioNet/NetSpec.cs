namespace MiniVmm.Devices.VirtioNet;

/// <summary>virtio-net feature bits, config layout and header (virtio 1.2, section 5.1).</summary>
public static class NetSpec
{
    public const ulong FeatureMac = 1UL << 5;
    public const ulong FeatureStatus = 1UL << 16;

    public const int ReceiveQueue = 0;
    public const int TransmitQueue = 1;

    /// <summary>Config: mac (6), status (2).</summary>
    public const int ConfigMac = 0;
    public const int ConfigStatus = 6;
    public const int ConfigSize = 8;
    public const ushort StatusLinkUp = 1;

    /// <summary><c>struct virtio_net_hdr_v1</c>: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset, num_buffers.</summary>
    public const int HeaderSize = 12;
    public const int HeaderNumBuffers = 10;

    /// <summary>The largest frame carried: an Ethernet frame with a VLAN tag, without FCS (no GSO is offered).</summary>
    public const int MaxFrame = 1518;
}
