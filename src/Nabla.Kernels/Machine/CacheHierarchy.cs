using System.Globalization;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>One level of the data cache hierarchy as seen by one core.</summary>
/// <param name="Level">The level, 1 to 3.</param>
/// <param name="SizeBytes">The capacity in bytes.</param>
/// <param name="LineBytes">The cache line size in bytes.</param>
/// <param name="Ways">The associativity, or 0 when unknown.</param>
/// <param name="SharedBy">The number of logical processors sharing this cache (1 for a private cache).</param>
public sealed record CacheLevel(int Level, long SizeBytes, int LineBytes, int Ways, int SharedBy)
{
    /// <summary>Gets the capacity that falls to each logical processor sharing the cache.</summary>
    public long SizePerProcessor => SizeBytes / Math.Max(1, SharedBy);
}

/// <summary>
/// The data caches the GEMM blocks for: the level-1 data cache, the level-2 cache and, where there is one, the
/// level-3 cache, with where they were read from. Read from Linux's sysfs
/// (<c>/sys/devices/system/cpu/cpu0/cache/index*/</c>), else from CPUID (leaf 4 on Intel, 0x8000001D on AMD), else
/// <see cref="Defaults"/>. Every reader is defensive: content it cannot make sense of yields no hierarchy, never an
/// exception, and the next source is tried.
/// </summary>
/// <param name="L1Data">The level-1 data cache.</param>
/// <param name="L2">The level-2 cache.</param>
/// <param name="L3">The level-3 cache, or null when there is none.</param>
/// <param name="Source">Where the sizes came from: <c>sysfs</c>, <c>cpuid</c> or <c>defaults</c>.</param>
public sealed record CacheHierarchy(CacheLevel L1Data, CacheLevel L2, CacheLevel? L3, string Source)
{
    /// <summary>The default sysfs directory of the first processor's caches.</summary>
    public const string SysfsDirectory = "/sys/devices/system/cpu/cpu0/cache";

    private const long MinSize = 1024, MaxSize = 1L << 34;

    /// <summary>
    /// Gets a hierarchy small enough to suit nearly any core of the last decade (32 KiB L1d, 256 KiB L2, no L3 assumed),
    /// used when neither sysfs nor CPUID tells the sizes.
    /// </summary>
    public static CacheHierarchy Defaults { get; } = new(new CacheLevel(1, 32 * 1024, 64, 8, 1), new CacheLevel(2, 256 * 1024, 64, 8, 1), null, "defaults");

    /// <summary>Reads the hierarchy of this machine: sysfs, then CPUID, then <see cref="Defaults"/>.</summary>
    public static CacheHierarchy Detect() => FromSysfs(SysfsDirectory) ?? FromCpuid() ?? Defaults;

    /// <summary>
    /// Reads the caches described under <paramref name="directory"/> (one <c>index*</c> folder per cache, with the files
    /// <c>level</c>, <c>type</c>, <c>size</c>, <c>coherency_line_size</c>, <c>ways_of_associativity</c> and
    /// <c>shared_cpu_list</c>). Returns null when the directory is absent or holds no usable L1 data and L2 entries.
    /// </summary>
    public static CacheHierarchy? FromSysfs(string directory)
    {
        var levels = new List<(string Type, CacheLevel Cache)>();
        try
        {
            if (!Directory.Exists(directory))
                return null;

            foreach (string index in Directory.EnumerateDirectories(directory, "index*").Order(StringComparer.Ordinal))
            {
                if (ReadSysfsEntry(index) is { } entry)
                    levels.Add(entry);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            return null;
        }

        return Assemble(levels, "sysfs");
    }

    /// <summary>
    /// Reads the caches through CPUID's deterministic cache parameters (leaf 4 on Intel, leaf 0x8000001D on AMD with
    /// topology extensions). Returns null off x86 or when the leaves are missing or describe no L1 data and L2 caches.
    /// </summary>
    public static CacheHierarchy? FromCpuid()
    {
        if (!X86Base.IsSupported)
            return null;

        int leaf;
        string vendor = CpuIdentity.Vendor();
        if (vendor == "GenuineIntel" && X86Base.CpuId(0, 0).Eax >= 4)
        {
            leaf = 4;
        }
        else if (vendor is "AuthenticAMD" or "HygonGenuine" && (uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax >= 0x8000001D
            && (X86Base.CpuId(unchecked((int)0x80000001), 0).Ecx & (1 << 22)) != 0)
        {
            leaf = unchecked((int)0x8000001D);
        }
        else
        {
            return null;
        }

        var registers = new List<(int Eax, int Ebx, int Ecx)>();
        for (int sub = 0; sub < 16; sub++)
        {
            var (eax, ebx, ecx, _) = X86Base.CpuId(leaf, sub);
            if ((eax & 0x1F) == 0)
                break;

            registers.Add((eax, ebx, ecx));
        }

        return FromCpuidRegisters(registers);
    }

    /// <summary>
    /// Decodes CPUID cache-parameter subleaves (EAX, EBX, ECX of leaf 4 or 0x8000001D, which share one layout): type in
    /// EAX[4:0], level in EAX[7:5], sharing logical processors − 1 in EAX[25:14], line size − 1 in EBX[11:0], partitions
    /// − 1 in EBX[21:12], ways − 1 in EBX[31:22], sets − 1 in ECX.
    /// </summary>
    internal static CacheHierarchy? FromCpuidRegisters(IEnumerable<(int Eax, int Ebx, int Ecx)> subleaves)
    {
        var levels = new List<(string Type, CacheLevel Cache)>();
        foreach (var (eax, ebx, ecx) in subleaves)
        {
            string type = (eax & 0x1F) switch { 1 => "Data", 2 => "Instruction", 3 => "Unified", _ => "" };
            int level = (eax >> 5) & 0x7;
            int sharedBy = ((eax >> 14) & 0xFFF) + 1;
            int line = (ebx & 0xFFF) + 1;
            int partitions = ((ebx >> 12) & 0x3FF) + 1;
            int ways = ((ebx >> 22) & 0x3FF) + 1;
            long sets = (uint)ecx + 1L;
            long size = (long)ways * partitions * line * sets;
            if (type.Length > 0 && Valid(level, size, line, ways, sharedBy))
                levels.Add((type, new CacheLevel(level, size, line, ways, sharedBy)));
        }

        return Assemble(levels, "cpuid");
    }

    private static (string Type, CacheLevel Cache)? ReadSysfsEntry(string index)
    {
        string? type = ReadLine(Path.Combine(index, "type"));
        if (type is null || !int.TryParse(ReadLine(Path.Combine(index, "level")), NumberStyles.None, CultureInfo.InvariantCulture, out int level)
            || ParseSize(ReadLine(Path.Combine(index, "size"))) is not { } size)
        {
            return null;
        }

        int line = int.TryParse(ReadLine(Path.Combine(index, "coherency_line_size")), NumberStyles.None, CultureInfo.InvariantCulture, out int l) ? l : 64;
        int ways = int.TryParse(ReadLine(Path.Combine(index, "ways_of_associativity")), NumberStyles.None, CultureInfo.InvariantCulture, out int w) ? w : 0;
        int sharedBy = CountCpuList(ReadLine(Path.Combine(index, "shared_cpu_list"))) ?? 1;
        return Valid(level, size, line, ways, sharedBy) ? (type, new CacheLevel(level, size, line, ways, sharedBy)) : null;
    }

    /// <summary>Parses a sysfs cache size: a decimal number of bytes with an optional K, M or G suffix ("48K", "32768K").</summary>
    internal static long? ParseSize(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return null;

        long unit = char.ToUpperInvariant(text[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 };
        string digits = unit == 1 ? text : text[..^1];
        if (digits.Length == 0 || digits.Length > 12 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            return null;

        long size = value * unit;
        return size is >= MinSize and <= MaxSize ? size : null;
    }

    /// <summary>Counts the processors in a sysfs CPU list such as "0", "0-1" or "0,2,4-7"; null when it cannot be read.</summary>
    internal static int? CountCpuList(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 4096)
            return null;

        int count = 0;
        foreach (string part in text.Split(','))
        {
            string[] bounds = part.Split('-');
            if (bounds.Length is < 1 or > 2 || !int.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out int first))
                return null;

            int last = first;
            if (bounds.Length == 2 && (!int.TryParse(bounds[1], NumberStyles.None, CultureInfo.InvariantCulture, out last) || last < first))
                return null;

            count += last - first + 1;
            if (count > 1 << 16)
                return null;
        }

        return count;
    }

    private static bool Valid(int level, long size, int line, int ways, int sharedBy) =>
        level is >= 1 and <= 4 && size is >= MinSize and <= MaxSize && line is >= 16 and <= 1024 && (line & (line - 1)) == 0
        && ways is >= 0 and <= 1024 && sharedBy is >= 1 and <= 1 << 16;

    private static CacheHierarchy? Assemble(List<(string Type, CacheLevel Cache)> levels, string source)
    {
        CacheLevel? Find(int level) => levels.FirstOrDefault(e => e.Cache.Level == level && e.Type is "Data" or "Unified").Cache;
        var l1 = Find(1);
        var l2 = Find(2);
        var l3 = Find(3);
        if (l1 is null || l2 is null || l2.SizeBytes < l1.SizeBytes || (l3 is not null && l3.SizeBytes < l2.SizeBytes))
            return null;

        return new CacheHierarchy(l1, l2, l3, source);
    }

    private static string? ReadLine(string path)
    {
        try
        {
            if (!File.Exists(path))
                return null;

            using var reader = new StreamReader(path);
            var buffer = new char[4097];
            int read = reader.ReadBlock(buffer, 0, buffer.Length);
            return read > 4096 ? null : new string(buffer, 0, read).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            return null;
        }
    }
}
