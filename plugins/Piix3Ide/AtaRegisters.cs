namespace MiniVmm.Devices.Ide;

/// <summary>The command block registers, as offsets from the channel's base port (0x1f0 on the primary channel).</summary>
public static class AtaPort
{
    public const int Count = 8;
    public const int Data = 0;
    /// <summary>Error on reads, Features on writes.</summary>
    public const int ErrorFeatures = 1;
    public const int SectorCount = 2;
    public const int LbaLow = 3;
    public const int LbaMid = 4;
    public const int LbaHigh = 5;
    public const int Device = 6;
    /// <summary>Status on reads (clears the interrupt), Command on writes.</summary>
    public const int StatusCommand = 7;
}

/// <summary>The status register's bits.</summary>
public static class AtaStatus
{
    public const byte Busy = 0x80;
    public const byte Ready = 0x40;
    public const byte DeviceFault = 0x20;
    public const byte SeekComplete = 0x10;
    public const byte DataRequest = 0x08;
    public const byte Error = 0x01;
    /// <summary>An idle device that can take a command.</summary>
    public const byte Idle = Ready | SeekComplete;
}

/// <summary>The error register's bits.</summary>
public static class AtaError
{
    /// <summary>After a reset or EXECUTE DEVICE DIAGNOSTIC: device 0 passed.</summary>
    public const byte DiagnosticPassed = 0x01;
    public const byte Aborted = 0x04;
    /// <summary>The address is outside the disk.</summary>
    public const byte IdNotFound = 0x10;
}

/// <summary>The device control register (0x3f6 on the primary channel) and the device register's bits.</summary>
public static class AtaControl
{
    /// <summary>Interrupts off (nIEN).</summary>
    public const byte InterruptsDisabled = 0x02;
    public const byte SoftwareReset = 0x04;
    /// <summary>Reads of the LBA48 registers give the previously written ("high order") bytes.</summary>
    public const byte HighOrderByte = 0x80;
    /// <summary>Device register: the address is an LBA, not cylinder/head/sector.</summary>
    public const byte LbaMode = 0x40;
    /// <summary>Device register: device 1 (the slave) is selected.</summary>
    public const byte Device1 = 0x10;
}

/// <summary>The ATA commands the disk implements (ATA/ATAPI-6 numbering).</summary>
public static class AtaCommand
{
    public const byte Recalibrate = 0x10; // 0x10-0x1f
    public const byte ReadSectors = 0x20;
    public const byte ReadSectorsNoRetry = 0x21;
    public const byte ReadSectorsExt = 0x24;
    public const byte ReadNativeMaxExt = 0x27;
    public const byte ReadMultipleExt = 0x29;
    public const byte WriteSectors = 0x30;
    public const byte WriteSectorsNoRetry = 0x31;
    public const byte WriteSectorsExt = 0x34;
    public const byte WriteMultipleExt = 0x39;
    public const byte VerifySectors = 0x40;
    public const byte VerifySectorsNoRetry = 0x41;
    public const byte VerifySectorsExt = 0x42;
    public const byte Seek = 0x70; // 0x70-0x7f
    public const byte ExecuteDeviceDiagnostic = 0x90;
    public const byte InitializeDeviceParameters = 0x91;
    public const byte IdentifyPacketDevice = 0xa1;
    public const byte ReadMultiple = 0xc4;
    public const byte WriteMultiple = 0xc5;
    public const byte SetMultipleMode = 0xc6;
    public const byte StandbyImmediate = 0xe0;
    public const byte IdleImmediate = 0xe1;
    public const byte Standby = 0xe2;
    public const byte Idle = 0xe3;
    public const byte CheckPowerMode = 0xe5;
    public const byte Sleep = 0xe6;
    public const byte FlushCache = 0xe7;
    public const byte FlushCacheExt = 0xea;
    public const byte IdentifyDevice = 0xec;
    public const byte SetFeatures = 0xef;
    public const byte ReadNativeMax = 0xf8;
}
