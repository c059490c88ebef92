namespace EndToEnd.Tests;

/// <summary>
/// <c>"boot": { "format": "linux" }</c> and <c>"irqchip": "kernel"</c> as a user meets them: what cannot
/// work is refused with the JSON path before anything runs. The boot itself is proven in the nested test
/// bed (scripts/kvm-testbed: minivmm-linux-shell), where KVM runs Linux at a usable speed.
/// </summary>
public class LinuxMachineTests
{
    private static string LinuxMachine(TempFolder temp, string accel, string irqchip, string devices = "", byte[]? kernel = null)
    {
        temp.Write("bzImage", kernel ?? FakeBzImage());
        temp.Write("initrd", [1, 2, 3]);
        return temp.Write("linux.json", $$"""
            { "accelerator": "{{accel}}", "irqchip": "{{irqchip}}",
              "memory": [ { "base": "0x0", "size": "640KiB" }, { "base": "0x100000", "size": "63MiB" } ],
              "boot": { "format": "linux", "kernel": "bzImage", "initrd": "initrd", "cmdline": "console=ttyS0" },
              "devices": [ { "type": "uart16550", "options": { "backend": "null" } } {{devices}} ] }
            """);
    }

    /// <summary>The smallest setup header LinuxBzImage accepts: "HdrS", protocol 2.15, a 64-bit entry.</summary>
    private static byte[] FakeBzImage()
    {
        var image = new byte[16384];
        image[0x1f1] = 4;                                   // setup sectors
        image[0x201] = 0x6a;                                // the header's length, in its jump
        "HdrS"u8.CopyTo(image.AsSpan(0x202));
        BitConverter.TryWriteBytes(image.AsSpan(0x206), (ushort)0x020f);
        BitConverter.TryWriteBytes(image.AsSpan(0x22c), 0x37ffffffu);   // initrd_addr_max
        BitConverter.TryWriteBytes(image.AsSpan(0x236), (ushort)1);     // XLF_KERNEL_64
        BitConverter.TryWriteBytes(image.AsSpan(0x238), 2048u);         // cmdline_size
        image[5 * 512 + 0x200] = 0xf4;                                 // HLT at the 64-bit entry (kernel + 0x200)
        return image;
    }

    [Fact]
    public void The_soft_cpu_refuses_a_linux_boot_and_a_kernel_irqchip_before_running()
    {
        using var temp = new TempFolder();
        var result = Minivmm.Run("--machine", LinuxMachine(temp, "soft", "kernel"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("boot.format: 'linux' enters a 64-bit kernel in long mode, which the soft accelerator does not implement", result.Stderr);
        Assert.Contains("irqchip: 'kernel' needs an accelerator with an in-kernel interrupt controller (kvm), not soft", result.Stderr);
        Assert.Empty(result.Stdout);
    }

    [KvmFact]
    public void A_kernel_irqchip_refuses_the_pic_and_pit_plugins_naming_them()
    {
        using var temp = new TempFolder();
        var result = Minivmm.Run("--machine", LinuxMachine(temp, "kvm", "kernel", """
            , { "type": "i8259", "name": "pic" }, { "type": "i8254", "name": "pit" }
            """));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("devices[1]: 'pic' (ports 0x20-0x21) sits on the master 8259, which \"irqchip\": \"kernel\" emulates inside KVM", result.Stderr);
        Assert.Contains("devices[2]: 'pit' (ports 0x40-0x43) sits on the 8254 PIT", result.Stderr);
    }

    [KvmFact]
    public void A_file_that_is_not_a_bzImage_is_a_load_error_naming_it()
    {
        using var temp = new TempFolder();
        var result = Minivmm.Run("--machine", LinuxMachine(temp, "kvm", "kernel", kernel: new byte[8192]));

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("bzImage': not a bzImage: the setup header's \"HdrS\" magic is missing", result.Stderr);
    }

    [KvmFact]
    public void A_bzImage_is_entered_in_long_mode_at_its_64_bit_entry()
    {
        // The fake kernel's 64-bit entry is a HLT with interrupts off: minivmm ends with 0 only if KVM
        // accepted the long-mode state and ran the instruction at kernel + 0x200 (anything else faults:
        // exit 6). With irqchip "devices" the HLT exits to minivmm, which ends a VM nothing can wake.
        using var temp = new TempFolder();
        var result = Minivmm.Run("--machine", LinuxMachine(temp, "kvm", "devices"), "--timeout", "20s");

        Assert.True(result.ExitCode == 0, result.Stderr);
    }

    [Fact]
    public void A_missing_initrd_is_a_machine_file_error()
    {
        using var temp = new TempFolder();
        string machine = LinuxMachine(temp, "soft", "devices");
        File.Delete(temp.File("initrd"));
        var result = Minivmm.Run("--machine", machine);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("boot.initrd: file 'initrd' does not exist", result.Stderr);
    }
}
