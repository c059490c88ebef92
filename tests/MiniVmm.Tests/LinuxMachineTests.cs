namespace MiniVmm.Tests;

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

    /// <summary>The smallest setup header LinuxBzImage accepts: "HdrS", protocol 2.15, with or without a 64-bit entry.</summary>
    internal static byte[] FakeBzImage(bool kernel64 = true)
    {
        var image = new byte[16384];
        image[0x1f1] = 4;                                   // setup sectors
        image[0x201] = 0x6a;                                // the header's length, in its jump
        "HdrS"u8.CopyTo(image.AsSpan(0x202));
        BitConverter.TryWriteBytes(image.AsSpan(0x206), (ushort)0x020f);
        BitConverter.TryWriteBytes(image.AsSpan(0x22c), 0x37ffffffu);   // initrd_addr_max
        BitConverter.TryWriteBytes(image.AsSpan(0x236), (ushort)(kernel64 ? 1 : 0)); // XLF_KERNEL_64
        BitConverter.TryWriteBytes(image.AsSpan(0x238), 2048u);         // cmdline_size
        image[5 * 512 + 0x200] = 0xf4;                                 // HLT at the 64-bit entry (kernel + 0x200)
        return image;
    }

    [Fact]
    public void A_kernel_irqchip_on_the_soft_cpu_is_the_8259_and_8254_plugins_at_the_same_ports()
    {
        // configs/idle.json without its pic and pit entries, with "irqchip": "kernel" as configs/linux.json:
        // the PIT's ticks must still reach the guest (one dot per 100), through the stand-in chips.
        using var temp = new TempFolder();
        var idle = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Minivmm.RepoRoot, "configs/idle.json")))!.AsObject();
        idle["irqchip"] = "kernel";
        idle["boot"]!["image"] = Path.Combine(Minivmm.RepoRoot, "guests/pc/idle.rom");
        var devices = idle["devices"]!.AsArray();
        foreach (var chip in devices.Where(d => (string?)d!["type"] is "i8259" or "i8254").ToList())
            devices.Remove(chip);
        string machine = temp.Write("idle-kernel-irqchip.json", idle.ToJsonString());

        var result = Minivmm.Run(TimeSpan.FromSeconds(30), "--machine", machine, "--accel", "soft", "--timeout", "3s", "--log-level", "information");

        Assert.Equal(124, result.ExitCode);
        Assert.StartsWith("idle guest: 100 Hz timer", result.Stdout);
        Assert.Contains(".", result.Stdout);   // at least 100 ticks were delivered
        Assert.Contains("the 8259 pair and the 8254 run as device plugins (pic, pit)", result.Stderr);
    }

    [Fact]
    public void A_kernel_irqchip_on_the_soft_cpu_refuses_a_device_on_the_chips_ports()
    {
        // KVM would answer port 0x40 inside the kernel; the soft CPU's stand-in 8254 sits there: either
        // way the entry could never see an access, so it is refused, naming it.
        using var temp = new TempFolder();
        var result = Minivmm.Run("--machine", LinuxMachine(temp, "soft", "kernel",
            devices: """, { "type": "post-code", "name": "post", "ports": "0x40" }"""));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("devices[1]", result.Stderr);
        Assert.Contains("post", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public void The_soft_cpu_enters_a_64_bit_kernel_through_the_64_bit_boot_protocol()
    {
        // The fake kernel checks, at startup_64 (load address + 0x200), that it runs 64-bit code
        // (a 64-bit immediate survives a shift), with CS = __BOOT_CS 0x10 and RSI = the zero page,
        // and halts (exit 0); anything else reaches UD2 (exit 6).
        using var temp = new TempFolder();
        var kernel = FakeBzImage(kernel64: true);
        byte[] entry64 =
        [
            0x48, 0xB8, 0, 0, 0, 0, 1, 0, 0, 0,     // mov rax, 0x1_0000_0000
            0x48, 0xC1, 0xE8, 0x20,                 // shr rax, 32
            0x83, 0xF8, 0x01,                       // cmp eax, 1
            0x75, 0x15,                             // jne fail
            0x66, 0x8C, 0xC8,                       // mov ax, cs
            0x66, 0x83, 0xF8, 0x10,                 // cmp ax, 0x10
            0x75, 0x0C,                             // jne fail
            0x48, 0x81, 0xFE, 0x00, 0x70, 0, 0,     // cmp rsi, 0x7000
            0x75, 0x03,                             // jne fail
            0xF4,                                   // hlt
            0x90, 0x90,
            0x0F, 0x0B,                             // fail: ud2
        ];
        entry64.CopyTo(kernel, 5 * 512 + 0x200);
        var result = Minivmm.Run("--machine", LinuxMachine(temp, "soft", "devices", kernel: kernel), "--timeout", "20s");

        Assert.True(result.ExitCode == 0, result.Stderr);
    }

    [Fact]
    public void The_soft_cpu_enters_a_32_bit_kernel_through_the_32_bit_boot_protocol()
    {
        // The fake kernel checks what boot.rst promises at startup_32 (CS = __BOOT_CS 0x10, DS =
        // __BOOT_DS 0x18, ESI = the zero page) and halts with interrupts off (exit 0); a wrong state
        // reaches UD2 (exit 6).
        using var temp = new TempFolder();
        var kernel = FakeBzImage(kernel64: false);
        byte[] entry32 =
        [
            0x66, 0x8C, 0xC8,             // mov ax, cs
            0x66, 0x83, 0xF8, 0x10,       // cmp ax, 0x10
            0x75, 0x12,                   // jne fail
            0x66, 0x8C, 0xD8,             // mov ax, ds
            0x66, 0x83, 0xF8, 0x18,       // cmp ax, 0x18
            0x75, 0x09,                   // jne fail
            0x81, 0xFE, 0x00, 0x70, 0, 0, // cmp esi, 0x7000
            0x75, 0x01,                   // jne fail
            0xF4,                         // hlt
            0x0F, 0x0B,                   // fail: ud2
        ];
        entry32.CopyTo(kernel, 5 * 512);
        var result = Minivmm.Run("--machine", LinuxMachine(temp, "soft", "devices", kernel: kernel), "--timeout", "20s");

        Assert.True(result.ExitCode == 0, result.Stderr);
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
