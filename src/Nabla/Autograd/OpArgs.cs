namespace Nabla;

/// <summary>The non-tensor arguments an op saves for its backward.</summary>
internal abstract record OpArgs;

internal sealed record ReduceArgs(int[] Dims, bool KeepDim) : OpArgs;

internal sealed record DimArgs(int Dim) : OpArgs;

internal sealed record ShapeArgs(int[] Shape) : OpArgs;

internal sealed record PermuteArgs(int[] Dims) : OpArgs;

internal sealed record RangeArgs(int Dim, int Start, int Length) : OpArgs;

internal sealed record PadArgs(int Dim, int Before, int After) : OpArgs;

internal sealed record ConvArgs(Nabla.Kernels.Conv2dGeometry Geometry) : OpArgs;

internal sealed record MaxPoolArgs(Nabla.Kernels.PoolGeometry Geometry, Storage<int> Argmax) : OpArgs;

internal sealed record AvgPoolArgs(Nabla.Kernels.PoolGeometry Geometry, bool CountIncludePad) : OpArgs;

internal sealed record AdaptivePoolArgs(int[] InputShape, int OutHeight, int OutWidth) : OpArgs;
