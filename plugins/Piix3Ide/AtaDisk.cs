namespace MiniVmm.Devices.Ide;

/// <summary>An ATA disk on a channel: its image and the strings IDENTIFY DEVICE reports.</summary>
public sealed record AtaDisk(DiskImage Image, string Model, string Serial, string FirmwareRevision = "1.0");
