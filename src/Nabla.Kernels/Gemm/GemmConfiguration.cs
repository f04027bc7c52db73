using System.Globalization;

namespace Nabla.Kernels;

/// <summary>The cache blocks of the GEMM for one element type, in elements.</summary>
/// <param name="Kc">Depth of a k slice: a Kc×NR micro-panel of B is what the micro-kernel keeps in L1d.</param>
/// <param name="Mc">Rows of A packed at once (a multiple of MR): the Mc×Kc block of A stays in L2.</param>
/// <param name="Nc">Columns of B packed at once (a multiple of NR): the Kc×Nc block of B stays in L3.</param>
public readonly record struct GemmBlocks(int Kc, int Mc, int Nc);

/// <summary>
/// The register tile and cache blocks the GEMM uses on this machine, derived from <see cref="MachineInfo"/> by an
/// analytic model in the manner of BLIS (Low et al., "Analytical modeling is enough for high-performance BLIS", 2016),
/// or forced by the environment: <c>NABLA_GEMM_TILE</c> (the vector width of the register tile, 512, 256 or 128
/// bits), <c>NABLA_GEMM_KC</c>, <c>NABLA_GEMM_MC</c> and <c>NABLA_GEMM_NC</c>. With <c>NABLA_VERBOSE=1</c> the choice
/// and its reasons are written once to standard error. Kc decides how each element's sum over k is split into slices,
/// so a different Kc may change float results in the last bits; the tile, Mc and Nc never do.
/// </summary>
public sealed class GemmConfiguration
{
    /// <summary>The largest accepted Kc and Mc.</summary>
    public const int MaxDepthOrRows = 4096;

    /// <summary>The largest accepted Nc.</summary>
    public const int MaxColumns = 16384;

    // The model's shares of each cache. The B micro-panel gets the whole of L1d: the A sliver beside it is read once
    // per micro-kernel call, front to back, and streams from L2 without needing a place of its own (on the 2-core
    // Zen 5 this was developed on, Kc from a share below 1 measured no faster). The A block and the B block get half
    // of their caches, leaving the other half to the panels streaming past them and to C.
    private const double L1Share = 1.0, L2Share = 0.5, L3Share = 0.5;

    // The model's largest blocks. Past 512 a deeper k slice saves nothing measurable (each element of C is read and
    // written once per slice, once per 2·Kc flops) while the A sliver beside the B micro-panel grows;
    // past 4096 columns, repacking A once per Nc columns costs under 0.02% of the product, and a wider block only
    // grows each thread's packing buffer.
    private const int ModelMaxDepth = 512, ModelMaxColumns = 4096;

    private static readonly Lock Gate = new();
    private static GemmConfiguration? s_current;

    private GemmConfiguration(MachineInfo machine, int vectorBits, GemmBlocks single, GemmBlocks @double, IReadOnlyList<string> reasons)
    {
        Machine = machine;
        VectorBits = vectorBits;
        Float = single;
        Double = @double;
        Reasons = reasons;
    }

    /// <summary>Gets the configuration of this process, chosen on first use.</summary>
    /// <exception cref="InvalidOperationException">A <c>NABLA_GEMM_*</c> variable holds a value that cannot be used.</exception>
    public static GemmConfiguration Current
    {
        get
        {
            if (Volatile.Read(ref s_current) is { } current)
                return current;

            lock (Gate)
            {
                if (s_current is null)
                {
                    var chosen = Choose(MachineInfo.Current, Environment.GetEnvironmentVariable);
                    if (Environment.GetEnvironmentVariable("NABLA_VERBOSE") == "1")
                        Console.Error.WriteLine(chosen.Describe());

                    Volatile.Write(ref s_current, chosen);
                }

                return s_current;
            }
        }
    }

    /// <summary>Gets the machine the configuration was derived from.</summary>
    public MachineInfo Machine { get; }

    /// <summary>Gets the vector width of the register tile in bits: 512, 256 or 128.</summary>
    public int VectorBits { get; }

    /// <summary>Gets the rows of the full register tile (MR): 8 with 32 vector registers, 6 with 16.</summary>
    public int TileRows => TileRowsFor(VectorBits);

    /// <summary>Gets the cache blocks for float.</summary>
    public GemmBlocks Float { get; }

    /// <summary>Gets the cache blocks for double.</summary>
    public GemmBlocks Double { get; }

    /// <summary>Gets one line per choice saying what was picked and why.</summary>
    public IReadOnlyList<string> Reasons { get; }

    /// <summary>Gets the columns of the full register tile (NR, two vectors) for elements of <paramref name="elementBytes"/> bytes.</summary>
    public int TileColumns(int elementBytes) => 2 * VectorBits / 8 / elementBytes;

    /// <summary>Returns the choice and its reasons, one per line.</summary>
    public string Describe() => string.Join(Environment.NewLine, Reasons);

    /// <summary>The blocks for <typeparamref name="T"/>.</summary>
    internal GemmBlocks For<T>() => typeof(T) == typeof(float) ? Float : Double;

    internal static int TileRowsFor(int vectorBits) => vectorBits == 512 ? 8 : 6;

    /// <summary>
    /// Derives the configuration for <paramref name="machine"/>, with overrides read through
    /// <paramref name="environment"/> (a variable's value, or null when unset).
    /// </summary>
    /// <exception cref="InvalidOperationException">An override cannot be used.</exception>
    internal static GemmConfiguration Choose(MachineInfo machine, Func<string, string?> environment) =>
        Choose(machine, environment, Vector512Ops<float>.IsSupported, Vector256Ops<float>.IsSupported);

    internal static GemmConfiguration Choose(MachineInfo machine, Func<string, string?> environment, bool vector512, bool vector256)
    {
        var reasons = new List<string>();
        var caches = machine.Caches;
        reasons.Add(string.Create(CultureInfo.InvariantCulture,
            $"cpu: {machine.Name} ({machine.Vendor} family {machine.Family} model {machine.Model}), {machine.ProcessorCount} processors for this process"));
        reasons.Add($"instruction sets: {machine.InstructionSets}");
        reasons.Add($"caches ({caches.Source}): L1d {Describe(caches.L1Data)}, L2 {Describe(caches.L2)}, L3 {(caches.L3 is null ? "none" : Describe(caches.L3))}");

        int widest = vector512 ? 512 : vector256 ? 256 : 128;
        int bits = widest;
        string tileWhy = widest == 512
            ? "the widest vectors the hardware runs; 32 vector registers hold 16 accumulators, 2 B vectors and a broadcast"
            : "the widest vectors the hardware runs; 16 vector registers hold 12 accumulators, 2 B vectors and a broadcast";
        if (environment("NABLA_GEMM_TILE") is { Length: > 0 } tileText && !string.IsNullOrWhiteSpace(tileText))
        {
            bits = tileText.Trim() switch
            {
                "512" => 512,
                "256" => 256,
                "128" => 128,
                _ => throw new InvalidOperationException($"NABLA_GEMM_TILE must be 512, 256 or 128 (the vector bits of the register tile), got '{tileText}'."),
            };
            if (bits > widest)
                throw new InvalidOperationException($"NABLA_GEMM_TILE={bits}: this processor runs vectors of at most {widest} bits.");

            tileWhy = "forced by NABLA_GEMM_TILE";
        }

        int mr = TileRowsFor(bits);
        reasons.Add($"gemm tile: {mr}×2 vectors of {bits} bits (float {mr}×{2 * bits / 32}, double {mr}×{2 * bits / 64}): {tileWhy}");
        int? kc = Override(environment, "NABLA_GEMM_KC", MaxDepthOrRows);
        int? mc = Override(environment, "NABLA_GEMM_MC", MaxDepthOrRows);
        int? nc = Override(environment, "NABLA_GEMM_NC", MaxColumns);
        var single = Blocks(caches, bits / 8, mr, sizeof(float), kc, mc, nc, out string singleWhy);
        var @double = Blocks(caches, bits / 8, mr, sizeof(double), kc, mc, nc, out string doubleWhy);
        reasons.Add($"gemm float blocks: {singleWhy}");
        reasons.Add($"gemm double blocks: {doubleWhy}");
        return new GemmConfiguration(machine, bits, single, @double, reasons);
    }

    /// <summary>
    /// The model: Kc so that the Kc×NR micro-panel of B fills L1d (the share <see cref="L1Share"/>), a multiple of 16
    /// from 64 to 512; Mc so that the Mc×Kc block of A fills half of the L2 share of one processor, a multiple of MR;
    /// Nc so that the Kc×Nc block of B fills half of one processor's share of L3, a multiple of NR up to 4096 (4096
    /// without an L3). Each override replaces its block (rounded up to its multiple) and the later blocks are derived
    /// from it.
    /// </summary>
    internal static GemmBlocks Blocks(CacheHierarchy caches, int vectorBytes, int mr, int elementBytes, int? kcOverride, int? mcOverride, int? ncOverride, out string why)
    {
        int nr = 2 * vectorBytes / elementBytes;
        long panelStep = (long)nr * elementBytes;
        int kc;
        string kcWhy;
        if (kcOverride is { } forcedKc)
        {
            kc = forcedKc;
            kcWhy = "NABLA_GEMM_KC";
        }
        else
        {
            kc = (int)Math.Clamp((long)(caches.L1Data.SizePerProcessor * L1Share / panelStep) / 16 * 16, 64, ModelMaxDepth);
            kcWhy = $"Kc×{nr} B micro-panel {Bytes(kc * panelStep)} in L1d {Bytes(caches.L1Data.SizePerProcessor)}";
        }

        long l2 = caches.L2.SizePerProcessor;
        int mc;
        string mcWhy;
        if (mcOverride is { } forcedMc)
        {
            mc = RoundUp(forcedMc, mr);
            mcWhy = "NABLA_GEMM_MC";
        }
        else
        {
            mc = (int)Math.Clamp((long)(l2 * L2Share / ((long)kc * elementBytes)) / mr * mr, mr, MaxDepthOrRows / mr * mr);
            mcWhy = $"Mc×Kc A block {Bytes((long)mc * kc * elementBytes)} in half of L2 {Bytes(l2)}";
        }

        int nc;
        string ncWhy;
        if (ncOverride is { } forcedNc)
        {
            nc = RoundUp(forcedNc, nr);
            ncWhy = "NABLA_GEMM_NC";
        }
        else if (caches.L3 is { } l3)
        {
            long share = l3.SizePerProcessor;
            nc = (int)Math.Clamp((long)(share * L3Share / ((long)kc * elementBytes)) / nr * nr, nr, ModelMaxColumns / nr * nr);
            ncWhy = $"Kc×Nc B block {Bytes((long)kc * nc * elementBytes)} in half of the L3 share {Bytes(share)}{(nc == ModelMaxColumns / nr * nr ? $", at most {ModelMaxColumns}" : "")}";
        }
        else
        {
            nc = ModelMaxColumns / nr * nr;
            ncWhy = "no L3: the B block streams from memory whatever its width";
        }

        why = $"Kc {kc} ({kcWhy}), Mc {mc} ({mcWhy}), Nc {nc} ({ncWhy})";
        return new GemmBlocks(kc, mc, nc);
    }

    private static int? Override(Func<string, string?> environment, string name, int max)
    {
        string? text = environment(name);
        if (string.IsNullOrWhiteSpace(text))
            return null;

        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < 1 || value > max)
            throw new InvalidOperationException($"{name} must be an integer from 1 to {max}, got '{text}'.");

        return value;
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private static string Describe(CacheLevel cache)
    {
        string ways = cache.Ways > 0 ? $"{cache.Ways}-way, " : string.Empty;
        string sharing = cache.SharedBy > 1 ? $"shared by {cache.SharedBy}" : "private";
        return $"{Bytes(cache.SizeBytes)} ({ways}{cache.LineBytes}-byte lines, {sharing})";
    }

    internal static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 20 when bytes % (1L << 20) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes >> 20} MiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.##} MiB"),
        >= 1L << 10 when bytes % (1L << 10) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes >> 10} KiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.##} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };
}
