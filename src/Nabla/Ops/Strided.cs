using System.Runtime.CompilerServices;

namespace Nabla.Ops;

/// <summary>
/// Walks strided operands row by row. Dimensions that are contiguous in every operand are merged
/// first, so most real layouts become one long row (contiguous) or a few rows (broadcast).
/// </summary>
internal static class Strided
{
    /// <summary>Merges adjacent dims that are laid out contiguously in every stride set; drops size-1 dims.</summary>
    public static (int[] Shape, int[][] Strides) Collapse(ReadOnlySpan<int> shape, params int[][] strides)
    {
        var outShape = new List<int>(shape.Length);
        var outStrides = new List<int>[strides.Length];
        for (int k = 0; k < strides.Length; k++) outStrides[k] = new List<int>(shape.Length);
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1) continue;
            int last = outShape.Count - 1;
            bool merge = last >= 0;
            for (int k = 0; k < strides.Length && merge; k++)
                merge = outStrides[k][last] == strides[k][i] * shape[i];
            if (merge)
            {
                outShape[last] *= shape[i];
                for (int k = 0; k < strides.Length; k++) outStrides[k][last] = strides[k][i];
            }
            else
            {
                outShape.Add(shape[i]);
                for (int k = 0; k < strides.Length; k++) outStrides[k].Add(strides[k][i]);
            }
        }
        if (outShape.Count == 0)
        {
            outShape.Add(1);
            for (int k = 0; k < strides.Length; k++) outStrides[k].Add(1);
        }
        var result = new int[strides.Length][];
        for (int k = 0; k < strides.Length; k++) result[k] = outStrides[k].ToArray();
        return (outShape.ToArray(), result);
    }

    /// <summary>Advances a multi-index over all but the last dim and the operand offsets with it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Next(int[] index, ReadOnlySpan<int> shape, int[][] strides, Span<int> offsets)
    {
        for (int d = shape.Length - 2; d >= 0; d--)
        {
            index[d]++;
            for (int k = 0; k < offsets.Length; k++) offsets[k] += strides[k][d];
            if (index[d] < shape[d]) return;
            for (int k = 0; k < offsets.Length; k++) offsets[k] -= strides[k][d] * shape[d];
            index[d] = 0;
        }
    }

    public static int Rows(ReadOnlySpan<int> shape)
    {
        int rows = 1;
        for (int i = 0; i < shape.Length - 1; i++) rows *= shape[i];
        return rows;
    }

    /// <summary>Copies a strided view into a contiguous destination in row-major order.</summary>
    public static void CopyTo<T>(T[] src, int offset, ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, Span<T> dst)
    {
        if (dst.Length == 0) return;
        var (cs, cstr) = Collapse(shape, strides.ToArray(), ShapeUtil.ContiguousStrides(shape));
        int inner = cs[^1], innerStride = cstr[0][^1];
        int rows = Rows(cs);
        var index = new int[cs.Length];
        Span<int> offs = stackalloc int[2] { offset, 0 };
        for (int r = 0; r < rows; r++)
        {
            if (innerStride == 1)
                src.AsSpan(offs[0], inner).CopyTo(dst.Slice(offs[1], inner));
            else if (innerStride == 0)
                dst.Slice(offs[1], inner).Fill(src[offs[0]]);
            else
            {
                ref T s = ref src[offs[0]];
                for (int j = 0, p = 0; j < inner; j++, p += innerStride) dst[offs[1] + j] = Unsafe.Add(ref s, p);
            }
            Next(index, cs, cstr, offs);
        }
    }

    /// <summary>Copies a contiguous source into a strided destination view.</summary>
    public static void CopyFrom<T>(ReadOnlySpan<T> src, T[] dst, int offset, ReadOnlySpan<int> shape, ReadOnlySpan<int> strides)
    {
        if (src.Length == 0) return;
        var (cs, cstr) = Collapse(shape, strides.ToArray(), ShapeUtil.ContiguousStrides(shape));
        int inner = cs[^1], innerStride = cstr[0][^1];
        int rows = Rows(cs);
        var index = new int[cs.Length];
        Span<int> offs = stackalloc int[2] { offset, 0 };
        for (int r = 0; r < rows; r++)
        {
            if (innerStride == 1)
                src.Slice(offs[1], inner).CopyTo(dst.AsSpan(offs[0], inner));
            else
                for (int j = 0, p = offs[0]; j < inner; j++, p += innerStride) dst[p] = src[offs[1] + j];
            Next(index, cs, cstr, offs);
        }
    }
}
