namespace Nabla.Kernels;

/// <summary>Even contiguous ranges of a count, for work that is handed out a range per item.</summary>
internal static class WorkRanges
{
    /// <summary>
    /// Range <paramref name="part"/> of <paramref name="parts"/> covering [0, <paramref name="total"/>): sizes differ
    /// by at most one, and consecutive parts are adjacent.
    /// </summary>
    public static (int Start, int End) Part(int total, int parts, int part)
        => ((int)((long)total * part / parts), (int)((long)total * (part + 1) / parts));
}
