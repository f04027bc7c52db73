using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace Nabla.Kernels;

/// <summary>The vector instruction sets the kernels can use, as the .NET runtime reports them.</summary>
/// <param name="Vector512">Whether 512-bit vectors are hardware accelerated and AVX-512F is present.</param>
/// <param name="Avx2">Whether AVX2 is present.</param>
/// <param name="Fma">Whether x86 FMA3 is present.</param>
/// <param name="AdvSimd">Whether Arm AdvSIMD (NEON) is present.</param>
public sealed record InstructionSets(bool Vector512, bool Avx2, bool Fma, bool AdvSimd)
{
    /// <summary>Gets the instruction sets of this process's processor.</summary>
    public static InstructionSets Current { get; } = new(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && Avx512F.IsSupported,
        System.Runtime.Intrinsics.X86.Avx2.IsSupported, System.Runtime.Intrinsics.X86.Fma.IsSupported, System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported);

    /// <inheritdoc/>
    public override string ToString()
    {
        var names = new List<string>();
        if (Vector512) names.Add("AVX-512 (Vector512)");
        if (Avx2) names.Add("AVX2");
        if (Fma) names.Add("FMA");
        if (AdvSimd) names.Add("AdvSIMD");
        return names.Count == 0 ? "none beyond 128-bit vectors" : string.Join(", ", names);
    }
}

/// <summary>
/// What the kernels know of the machine they run on: the processor's identity, its vector instruction sets, its data
/// caches and the number of processors this process may use. The GEMM derives its register tile and cache blocks
/// from it (<see cref="GemmConfiguration"/>).
/// </summary>
/// <param name="Vendor">The CPUID vendor string ("GenuineIntel", "AuthenticAMD"), or the architecture off x86.</param>
/// <param name="Family">The display family (base plus extended family), or 0 when unknown.</param>
/// <param name="Model">The display model (with the extended model), or 0 when unknown.</param>
/// <param name="Name">The processor's brand string, or the architecture when there is none.</param>
/// <param name="InstructionSets">The vector instruction sets.</param>
/// <param name="Caches">The data caches.</param>
/// <param name="ProcessorCount">The processors this process may run on (<see cref="Environment.ProcessorCount"/>).</param>
public sealed record MachineInfo(string Vendor, int Family, int Model, string Name, InstructionSets InstructionSets, CacheHierarchy Caches, int ProcessorCount)
{
    private static readonly Lazy<MachineInfo> Detected = new(Detect);

    /// <summary>Gets this machine, read once per process.</summary>
    public static MachineInfo Current => Detected.Value;

    private static MachineInfo Detect()
    {
        var (family, model) = CpuIdentity.FamilyAndModel();
        string architecture = RuntimeInformation.ProcessArchitecture.ToString();
        string vendor = CpuIdentity.Vendor();
        string name = CpuIdentity.BrandString();
        return new MachineInfo(vendor.Length > 0 ? vendor : architecture, family, model, name.Length > 0 ? name : architecture,
            InstructionSets.Current, CacheHierarchy.Detect(), Environment.ProcessorCount);
    }
}

/// <summary>The processor's identity from CPUID; empty or zero off x86.</summary>
internal static class CpuIdentity
{
    /// <summary>The vendor string of CPUID leaf 0 (EBX, EDX, ECX), or empty off x86.</summary>
    public static string Vendor()
    {
        if (!X86Base.IsSupported)
            return string.Empty;

        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        return Ascii([ebx, edx, ecx]);
    }

    /// <summary>Family and model as Intel and AMD define their display values from CPUID leaf 1.</summary>
    public static (int Family, int Model) FamilyAndModel()
    {
        if (!X86Base.IsSupported)
            return (0, 0);

        int eax = X86Base.CpuId(1, 0).Eax;
        int baseFamily = (eax >> 8) & 0xF;
        int baseModel = (eax >> 4) & 0xF;
        int family = baseFamily == 0xF ? baseFamily + ((eax >> 20) & 0xFF) : baseFamily;
        int model = baseFamily is 0x6 or 0xF ? baseModel + (((eax >> 16) & 0xF) << 4) : baseModel;
        return (family, model);
    }

    /// <summary>The brand string of CPUID leaves 0x80000002–4, or empty when absent.</summary>
    public static string BrandString()
    {
        if (!X86Base.IsSupported || (uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax < 0x80000004)
            return string.Empty;

        var words = new List<int>();
        for (uint leaf = 0x80000002; leaf <= 0x80000004; leaf++)
        {
            var (eax, ebx, ecx, edx) = X86Base.CpuId(unchecked((int)leaf), 0);
            words.AddRange([eax, ebx, ecx, edx]);
        }

        return Ascii([.. words]).Trim();
    }

    private static string Ascii(int[] words)
    {
        var text = new StringBuilder(words.Length * 4);
        foreach (int word in words)
        {
            for (int shift = 0; shift < 32; shift += 8)
            {
                char c = (char)((word >> shift) & 0xFF);
                if (c is >= ' ' and <= '~')
                    text.Append(c);
            }
        }

        return text.ToString();
    }
}
