namespace Nabla.Kernels.Tests;

/// <summary>The machine description read from fake sysfs trees and CPUID registers, and the GEMM model built on it.</summary>
public sealed class MachineTests
{
    private static readonly CacheHierarchy Zen5 = new(new CacheLevel(1, 48 << 10, 64, 12, 1), new CacheLevel(2, 1 << 20, 64, 16, 1), new CacheLevel(3, 32 << 20, 64, 16, 2), "test");

    private static readonly CacheHierarchy XeonCore = new(new CacheLevel(1, 48 << 10, 64, 12, 1), new CacheLevel(2, 2 << 20, 64, 16, 1), new CacheLevel(3, 105 << 20, 64, 15, 2), "test");

    [Fact]
    public void SysfsTreeIsRead()
    {
        using var tree = new FakeSysfs();
        tree.Cache(0, level: "1", type: "Data", size: "48K", line: "64", ways: "12", shared: "0");
        tree.Cache(1, level: "1", type: "Instruction", size: "32K", line: "64", ways: "8", shared: "0");
        tree.Cache(2, level: "2", type: "Unified", size: "1024K", line: "64", ways: "16", shared: "0");
        tree.Cache(3, level: "3", type: "Unified", size: "32768K", line: "64", ways: "16", shared: "0-1");
        var caches = CacheHierarchy.FromSysfs(tree.Path);
        Assert.NotNull(caches);
        Assert.Equal("sysfs", caches.Source);
        Assert.Equal(new CacheLevel(1, 48 << 10, 64, 12, 1), caches.L1Data);
        Assert.Equal(new CacheLevel(2, 1 << 20, 64, 16, 1), caches.L2);
        Assert.Equal(new CacheLevel(3, 32 << 20, 64, 16, 2), caches.L3);
        Assert.Equal(16L << 20, caches.L3!.SizePerProcessor);
    }

    [Fact]
    public void SysfsWithoutL3OrOptionalFilesIsRead()
    {
        using var tree = new FakeSysfs();
        tree.Cache(0, level: "1", type: "Data", size: "32K", line: null, ways: null, shared: null);
        tree.Cache(1, level: "2", type: "Unified", size: "2M", line: "64", ways: "garbage", shared: "0,2,4-5");
        var caches = CacheHierarchy.FromSysfs(tree.Path);
        Assert.NotNull(caches);
        Assert.Equal(new CacheLevel(1, 32 << 10, 64, 0, 1), caches.L1Data);
        Assert.Equal(new CacheLevel(2, 2 << 20, 64, 0, 4), caches.L2);
        Assert.Null(caches.L3);
    }

    [Theory]
    [InlineData("48K", "1024K", "64")]
    [InlineData("", "1024K", "64")]
    [InlineData("48Q", "1024K", "64")]
    [InlineData("-48K", "1024K", "64")]
    [InlineData("999999999999999K", "1024K", "64")]
    [InlineData("48K", "16K", "64")]
    [InlineData("48K", "1024K", "63")]
    [InlineData("48K", "1024K", "0")]
    public void GarbageSysfsGivesNoHierarchyRatherThanACrash(string l1Size, string l2Size, string line)
    {
        using var tree = new FakeSysfs();
        bool valid = l1Size == "48K" && l2Size == "1024K" && line == "64";
        tree.Cache(0, level: "1", type: "Data", size: l1Size, line: "64", ways: "12", shared: "0");
        tree.Cache(1, level: "2", type: "Unified", size: l2Size, line: line, ways: "16", shared: "0");
        var caches = CacheHierarchy.FromSysfs(tree.Path);
        Assert.Equal(valid, caches is not null);
    }

    [Fact]
    public void MissingOrEmptySysfsGivesNoHierarchy()
    {
        Assert.Null(CacheHierarchy.FromSysfs("/nonexistent/sysfs/cache"));
        using var tree = new FakeSysfs();
        Assert.Null(CacheHierarchy.FromSysfs(tree.Path));
        Directory.CreateDirectory(System.IO.Path.Combine(tree.Path, "index0"));
        File.WriteAllBytes(System.IO.Path.Combine(tree.Path, "index0", "size"), [0xFF, 0xFE, 0x00, 0x41]);
        File.WriteAllText(System.IO.Path.Combine(tree.Path, "index0", "level"), new string('9', 10000));
        Assert.Null(CacheHierarchy.FromSysfs(tree.Path));
        Assert.NotNull(CacheHierarchy.Detect());
    }

    [Theory]
    [InlineData("48K", 48L << 10)]
    [InlineData("32768K", 32L << 20)]
    [InlineData("2M", 2L << 20)]
    [InlineData("1G", 1L << 30)]
    [InlineData("65536", 65536L)]
    [InlineData("512", null)]
    [InlineData("K", null)]
    [InlineData("4.5M", null)]
    [InlineData(" 48K", null)]
    [InlineData(null, null)]
    public void SizesParse(string? text, long? expected) => Assert.Equal(expected, CacheHierarchy.ParseSize(text));

    [Theory]
    [InlineData("0", 1)]
    [InlineData("0-1", 2)]
    [InlineData("0,2,4-7", 6)]
    [InlineData("3-1", null)]
    [InlineData("a-b", null)]
    [InlineData("0--1", null)]
    [InlineData("", null)]
    public void CpuListsCount(string text, int? expected) => Assert.Equal(expected, CacheHierarchy.CountCpuList(text));

    [Fact]
    public void CpuidCacheLeavesDecode()
    {
        // An Intel core's leaf 4: L1d 48 KiB 12-way, L1i 32 KiB, L2 2 MiB 16-way, L3 105 MiB 15-way shared by 112.
        static (int, int, int) Leaf(int type, int level, int sharing, int line, int ways, int sets) =>
            (type | (level << 5) | ((sharing - 1) << 14), (line - 1) | ((ways - 1) << 22), sets - 1);
        var caches = CacheHierarchy.FromCpuidRegisters(
        [
            Leaf(1, 1, 2, 64, 12, 64), Leaf(2, 1, 2, 64, 8, 64), Leaf(3, 2, 2, 64, 16, 2048), Leaf(3, 3, 112, 64, 15, 114688),
        ]);
        Assert.NotNull(caches);
        Assert.Equal("cpuid", caches.Source);
        Assert.Equal(48L << 10, caches.L1Data.SizeBytes);
        Assert.Equal(2L << 20, caches.L2.SizeBytes);
        Assert.Equal(105L << 20, caches.L3!.SizeBytes);
        Assert.Equal(112, caches.L3.SharedBy);
        Assert.Null(CacheHierarchy.FromCpuidRegisters([Leaf(2, 1, 1, 64, 8, 64)]));
        Assert.Null(CacheHierarchy.FromCpuidRegisters([(1 | (1 << 5), 63 | (11 << 22), -1)]));
    }

    [Fact]
    public void TheMachineIsDescribed()
    {
        var machine = MachineInfo.Current;
        Assert.Equal(Environment.ProcessorCount, machine.ProcessorCount);
        Assert.True(machine.Caches.L2.SizeBytes >= machine.Caches.L1Data.SizeBytes);
        Assert.False(string.IsNullOrWhiteSpace(machine.Name));
        Assert.Contains("cpu: ", GemmConfiguration.Current.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void ModelReproducesTheZen5BlocksAndScalesWithL2()
    {
        var zen = Configure(Zen5);
        Assert.Equal(512, zen.VectorBits);
        Assert.Equal(8, zen.TileRows);
        Assert.Equal(new GemmBlocks(384, 336, 4096), zen.Float);
        Assert.Equal(new GemmBlocks(384, 168, 2720), zen.Double);

        var xeon = Configure(XeonCore);
        Assert.Equal(new GemmBlocks(384, 680, 4096), xeon.Float);
        Assert.Equal(new GemmBlocks(384, 336, 4096), xeon.Double);
        var xeonShared = Configure(XeonCore with { L3 = XeonCore.L3! with { SharedBy = 56 } });
        Assert.Equal(new GemmBlocks(384, 680, 640), xeonShared.Float);

        // A 256-bit tile is half as wide, so L1d would hold twice the depth, up to the model's 512; the defaults have no L3.
        var avx2 = GemmConfiguration.Choose(Machine(Zen5), _ => null, vector512: false, vector256: true);
        Assert.Equal(256, avx2.VectorBits);
        Assert.Equal(6, avx2.TileRows);
        Assert.Equal(new GemmBlocks(512, 252, 4096), avx2.Float);
        var small = GemmConfiguration.Choose(Machine(CacheHierarchy.Defaults), _ => null, vector512: false, vector256: false);
        Assert.Equal(new GemmBlocks(512, 60, 4096), small.Float);
        Assert.Contains("L3 none", small.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void OverridesReplaceTheModelsChoices()
    {
        var forced = Configure(Zen5, ("NABLA_GEMM_KC", "100"), ("NABLA_GEMM_MC", "13"), ("NABLA_GEMM_NC", " 70 "), ("NABLA_GEMM_TILE", "256"));
        Assert.Equal(256, forced.VectorBits);
        Assert.Equal(new GemmBlocks(100, 18, 80), forced.Float);
        Assert.Equal(new GemmBlocks(100, 18, 72), forced.Double);
        Assert.Contains("forced by NABLA_GEMM_TILE", forced.Describe(), StringComparison.Ordinal);
        Assert.Contains("Kc 100 (NABLA_GEMM_KC)", forced.Describe(), StringComparison.Ordinal);

        var kcOnly = Configure(Zen5, ("NABLA_GEMM_KC", "192"));
        Assert.Equal(new GemmBlocks(192, 680, 4096), kcOnly.Float);
        Assert.Equal(Configure(Zen5).Float, Configure(Zen5, ("NABLA_GEMM_KC", "")).Float);
    }

    [Theory]
    [InlineData("NABLA_GEMM_KC", "0", "NABLA_GEMM_KC must be an integer from 1 to 4096, got '0'.")]
    [InlineData("NABLA_GEMM_KC", "4097", "NABLA_GEMM_KC must be an integer from 1 to 4096, got '4097'.")]
    [InlineData("NABLA_GEMM_MC", "-5", "NABLA_GEMM_MC must be an integer from 1 to 4096, got '-5'.")]
    [InlineData("NABLA_GEMM_NC", "lots", "NABLA_GEMM_NC must be an integer from 1 to 16384, got 'lots'.")]
    [InlineData("NABLA_GEMM_TILE", "1024", "NABLA_GEMM_TILE must be 512, 256 or 128 (the vector bits of the register tile), got '1024'.")]
    public void BadOverridesAreRefusedWithTheirNameAndValue(string name, string value, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Configure(Zen5, (name, value)));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void ATileWiderThanTheHardwareIsRefused()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            GemmConfiguration.Choose(Machine(Zen5), name => name == "NABLA_GEMM_TILE" ? "512" : null, vector512: false, vector256: true));
        Assert.Equal("NABLA_GEMM_TILE=512: this processor runs vectors of at most 256 bits.", error.Message);
    }

    [Theory]
    [InlineData(null, 2, 2)]
    [InlineData("", 4, 4)]
    [InlineData("1", 2, 1)]
    [InlineData(" 2 ", 8, 2)]
    [InlineData("16", 2, 2)]
    [InlineData("3", 0, 1)]
    public void ThreadCountComesFromTheEnvironmentCappedAtTheProcessors(string? text, int processors, int expected) =>
        Assert.Equal(expected, Parallelism.ThreadsFromEnvironment(text, processors));

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    [InlineData("two")]
    [InlineData("1.5")]
    public void BadThreadCountsAreRefused(string text)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Parallelism.ThreadsFromEnvironment(text, 2));
        Assert.Equal($"NABLA_NUM_THREADS must be a positive integer, got '{text}'.", error.Message);
    }

    private static MachineInfo Machine(CacheHierarchy caches) => new("TestVendor", 6, 143, "test processor", new InstructionSets(true, true, true, false), caches, 2);

    private static GemmConfiguration Configure(CacheHierarchy caches, params (string Name, string Value)[] environment) =>
        GemmConfiguration.Choose(Machine(caches), name => environment.FirstOrDefault(e => e.Name == name).Value, vector512: true, vector256: true);

    /// <summary>A temporary directory laid out like <c>/sys/devices/system/cpu/cpu0/cache</c>.</summary>
    private sealed class FakeSysfs : IDisposable
    {
        public FakeSysfs()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "nabla-sysfs-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public void Cache(int index, string level, string type, string size, string? line, string? ways, string? shared)
        {
            string dir = System.IO.Path.Combine(Path, $"index{index}");
            Directory.CreateDirectory(dir);
            File.WriteAllText(System.IO.Path.Combine(dir, "level"), level + "\n");
            File.WriteAllText(System.IO.Path.Combine(dir, "type"), type + "\n");
            File.WriteAllText(System.IO.Path.Combine(dir, "size"), size + "\n");
            if (line is not null) File.WriteAllText(System.IO.Path.Combine(dir, "coherency_line_size"), line + "\n");
            if (ways is not null) File.WriteAllText(System.IO.Path.Combine(dir, "ways_of_associativity"), ways + "\n");
            if (shared is not null) File.WriteAllText(System.IO.Path.Combine(dir, "shared_cpu_list"), shared + "\n");
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
