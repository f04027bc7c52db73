namespace Nabla.Kernels;

/// <summary>
/// The register tile of one micro-kernel instantiation: <see cref="Rows"/> rows of C (0 means the vector width's
/// full height, <c>TOps.Rows</c>) by <see cref="Vectors"/> vectors of columns. Narrow tiles serve skinny products,
/// where a full tile would mostly multiply padding.
/// </summary>
internal interface ITileShape
{
    /// <summary>Gets the rows of the tile, or 0 for the full height of the vector kernel.</summary>
    static abstract int Rows { get; }

    /// <summary>Gets the width of the tile in vectors, 1 or 2.</summary>
    static abstract int Vectors { get; }
}

/// <summary>A tile <typeparamref name="TRows"/> tall and two vectors wide; at full height, the workhorse.</summary>
internal readonly struct TwoVectors<TRows> : ITileShape
    where TRows : ITileRows
{
    public static int Rows => TRows.Rows;

    public static int Vectors => 2;
}

/// <summary>A tile <typeparamref name="TRows"/> tall and one vector wide, for n up to one vector.</summary>
internal readonly struct OneVector<TRows> : ITileShape
    where TRows : ITileRows
{
    public static int Rows => TRows.Rows;

    public static int Vectors => 1;
}
