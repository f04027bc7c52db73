namespace Nabla;

/// <summary>The non-tensor arguments an op saves for its backward.</summary>
internal abstract record OpArgs;

internal sealed record ReduceArgs(int[] Dims, bool KeepDim) : OpArgs;

internal sealed record DimArgs(int Dim) : OpArgs;

internal sealed record ShapeArgs(int[] Shape) : OpArgs;

internal sealed record PermuteArgs(int[] Dims) : OpArgs;

internal sealed record RangeArgs(int Dim, int Start, int Length) : OpArgs;

internal sealed record PadArgs(int Dim, int Before, int After) : OpArgs;
