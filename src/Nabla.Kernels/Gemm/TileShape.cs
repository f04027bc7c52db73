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

/// <summary>Full-height tile, two vectors wide: the workhorse.</summary>
internal readonly struct FullByTwo : ITileShape
{
    public static int Rows => 0;

    public static int Vectors => 2;
}

/// <summary>Full-height tile, one vector wide: for n up to one vector.</summary>
internal readonly struct FullByOne : ITileShape
{
    public static int Rows => 0;

    public static int Vectors => 1;
}

/// <summary>Four rows by two vectors.</summary>
internal readonly struct FourByTwo : ITileShape
{
    public static int Rows => 4;

    public static int Vectors => 2;
}

/// <summary>Four rows by one vector.</summary>
internal readonly struct FourByOne : ITileShape
{
    public static int Rows => 4;

    public static int Vectors => 1;
}

/// <summary>Two rows by two vectors.</summary>
internal readonly struct TwoByTwo : ITileShape
{
    public static int Rows => 2;

    public static int Vectors => 2;
}

/// <summary>Two rows by one vector.</summary>
internal readonly struct TwoByOne : ITileShape
{
    public static int Rows => 2;

    public static int Vectors => 1;
}

/// <summary>One row by two vectors.</summary>
internal readonly struct OneByTwo : ITileShape
{
    public static int Rows => 1;

    public static int Vectors => 2;
}

/// <summary>One row by one vector.</summary>
internal readonly struct OneByOne : ITileShape
{
    public static int Rows => 1;

    public static int Vectors => 1;
}
