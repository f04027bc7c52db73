namespace Nabla.Kernels;

/// <summary>The height of a tile: 0 for the vector kernel's full height, else 4, 2 or 1 rows.</summary>
internal interface ITileRows
{
    /// <summary>Gets the rows, or 0 for the full height.</summary>
    static abstract int Rows { get; }
}

/// <summary>The vector kernel's full height.</summary>
internal readonly struct FullHeight : ITileRows
{
    public static int Rows => 0;
}

/// <summary>Four rows.</summary>
internal readonly struct FourRows : ITileRows
{
    public static int Rows => 4;
}

/// <summary>Two rows.</summary>
internal readonly struct TwoRows : ITileRows
{
    public static int Rows => 2;
}

/// <summary>One row.</summary>
internal readonly struct OneRow : ITileRows
{
    public static int Rows => 1;
}
