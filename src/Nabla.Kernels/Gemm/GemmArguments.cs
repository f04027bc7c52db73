namespace Nabla.Kernels;

/// <summary>Boundary checks for <see cref="Gemm"/>: everything the unchecked inner loops rely on is proven here once.</summary>
internal static class GemmArguments
{
    public static void Validate<T>(string op, int batch, int m, int n, int k,
        int aLength, int aBatchStride, int aRowStride, int aColStride,
        int bLength, int bBatchStride, int bRowStride, int bColStride,
        int cLength, int cBatchStride, int cRowStride)
    {
        KernelArguments.RequireFloatOrDouble<T>(op);

        if (batch < 0 || m < 0 || n < 0 || k < 0)
            Throw(op, $"sizes must be non-negative, got batch={batch}, m={m}, n={n}, k={k}");

        if (aBatchStride < 0 || aRowStride < 0 || aColStride < 0 || bBatchStride < 0 || bRowStride < 0 || bColStride < 0 || cBatchStride < 0 || cRowStride < 0)
        {
            Throw(op, $"strides must be non-negative, got A (batch {aBatchStride}, row {aRowStride}, column {aColStride}), " +
                $"B (batch {bBatchStride}, row {bRowStride}, column {bColStride}), C (batch {cBatchStride}, row {cRowStride})");
        }

        if (batch == 0 || m == 0 || n == 0)
            return;

        if (m > 1 && cRowStride < n)
            Throw(op, $"rows of C (m×n = {m}×{n}) overlap: row stride {cRowStride} is less than n");

        long cItem = ((long)(m - 1) * cRowStride) + n;
        if (batch > 1)
        {
            // Items of C may be stacked (batch-major) or interleaved between rows (row-major over [m, batch, n]).
            bool stacked = cBatchStride >= cItem;
            bool interleaved = cBatchStride >= n && (m == 1 || cRowStride >= ((long)(batch - 1) * cBatchStride) + n);
            if (!stacked && !interleaved)
                Throw(op, $"items of C (batch×m×n = {batch}×{m}×{n}) overlap: batch stride {cBatchStride}, row stride {cRowStride}");
        }

        CheckExtent(op, "C", batch, m, n, cLength, cBatchStride, cRowStride, 1);
        if (k > 0)
        {
            CheckExtent(op, "A", batch, m, k, aLength, aBatchStride, aRowStride, aColStride);
            CheckExtent(op, "B", batch, k, n, bLength, bBatchStride, bRowStride, bColStride);
        }
    }

    /// <summary>The checks of B alone, for an operand packed before the products that use it.</summary>
    public static void ValidateB<T>(string op, int m, int n, int k, int bLength, int bRowStride, int bColStride)
    {
        KernelArguments.RequireFloatOrDouble<T>(op);
        if (m < 0 || n < 0 || k < 0)
            Throw(op, $"sizes must be non-negative, got m={m}, n={n}, k={k}");

        if (bRowStride < 0 || bColStride < 0)
            Throw(op, $"strides must be non-negative, got B (row {bRowStride}, column {bColStride})");

        if (m > 0 && n > 0 && k > 0)
            CheckExtent(op, "B", 1, k, n, bLength, 0, bRowStride, bColStride);
    }

    private static void CheckExtent(string op, string name, int batch, int rows, int cols, int length, int batchStride, int rowStride, int colStride)
    {
        long needed = ((long)(batch - 1) * batchStride) + ((long)(rows - 1) * rowStride) + ((long)(cols - 1) * colStride) + 1;
        if (needed > length)
        {
            string batchText = batch > 1 ? $"batch {batch}, batch stride {batchStride}, " : string.Empty;
            Throw(op, $"{name} ({rows}×{cols}, {batchText}row stride {rowStride}, column stride {colStride}) needs {needed} elements but its span has {length}");
        }
    }

    private static void Throw(string op, string message) => throw new ArgumentException($"{op}: {message}.");
}
