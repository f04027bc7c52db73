using Nabla.Kernels;

namespace Nabla.Dispatch;

/// <summary>
/// The fused recurrent steps: allocates the results and the workspace the backward pass reads, picks the dtype's kernel
/// and passes each operand's rows with their stride (rows must be contiguous within; others are copied first).
/// Operands are 2-D (N, width) and share one float dtype, checked by the caller.
/// </summary>
internal static class Recurrent
{
    /// <summary>The LSTM step: (2, N, H) holding [h'; c'], and the workspace (N, 5H) of activated gates and tanh c'.</summary>
    public static (Tensor Output, Tensor Workspace) LstmCell(Tensor gi, Tensor gh, Tensor c)
    {
        int n = c.ShapeArray[0], h = c.ShapeArray[1];
        (gi, gh, c) = (Rows(gi), Rows(gh), Rows(c));
        var output = Tensor.Empty([2, n, h], c.DType);
        var workspace = Tensor.Empty([n, 5 * h], c.DType);
        switch (c.DType)
        {
            case DType.Float32:
                LstmCellKernel.Forward<float>(n, h, gi.Data<float>(), RowStride(gi), gh.Data<float>(), RowStride(gh), c.Data<float>(), RowStride(c),
                    output.AsSpan<float>(), workspace.AsSpan<float>());
                break;
            case DType.Float64:
                LstmCellKernel.Forward<double>(n, h, gi.Data<double>(), RowStride(gi), gh.Data<double>(), RowStride(gh), c.Data<double>(), RowStride(c),
                    output.AsSpan<double>(), workspace.AsSpan<double>());
                break;
            default:
                throw NotDefined("LstmCell", c);
        }
        return (output, workspace);
    }

    /// <summary>The LSTM step's backward: the gradient of the pre-activation gates (N, 4H) and of the previous cell (N, H).</summary>
    public static (Tensor Gates, Tensor C) LstmCellBackward(Tensor workspace, Tensor c, Tensor gradOutput)
    {
        int n = c.ShapeArray[0], h = c.ShapeArray[1];
        c = Rows(c);
        var g = gradOutput.Materialize();
        var gates = Tensor.Empty([n, 4 * h], c.DType);
        var gc = Tensor.Empty([n, h], c.DType);
        switch (c.DType)
        {
            case DType.Float32:
                LstmCellKernel.Backward<float>(n, h, workspace.AsSpan<float>(), c.Data<float>(), RowStride(c), g.AsSpan<float>(), gates.AsSpan<float>(), gc.AsSpan<float>());
                break;
            case DType.Float64:
                LstmCellKernel.Backward<double>(n, h, workspace.AsSpan<double>(), c.Data<double>(), RowStride(c), g.AsSpan<double>(), gates.AsSpan<double>(), gc.AsSpan<double>());
                break;
            default:
                throw NotDefined("LstmCellBackward", c);
        }
        return (gates, gc);
    }

    /// <summary>The GRU step: h' (N, H), and the workspace (N, 3H) of r, z and n.</summary>
    public static (Tensor Output, Tensor Workspace) GruCell(Tensor gi, Tensor gh, Tensor hPrev)
    {
        int n = hPrev.ShapeArray[0], h = hPrev.ShapeArray[1];
        (gi, gh, hPrev) = (Rows(gi), Rows(gh), Rows(hPrev));
        var output = Tensor.Empty([n, h], hPrev.DType);
        var workspace = Tensor.Empty([n, 3 * h], hPrev.DType);
        switch (hPrev.DType)
        {
            case DType.Float32:
                GruCellKernel.Forward<float>(n, h, gi.Data<float>(), RowStride(gi), gh.Data<float>(), RowStride(gh), hPrev.Data<float>(), RowStride(hPrev),
                    output.AsSpan<float>(), workspace.AsSpan<float>());
                break;
            case DType.Float64:
                GruCellKernel.Forward<double>(n, h, gi.Data<double>(), RowStride(gi), gh.Data<double>(), RowStride(gh), hPrev.Data<double>(), RowStride(hPrev),
                    output.AsSpan<double>(), workspace.AsSpan<double>());
                break;
            default:
                throw NotDefined("GruCell", hPrev);
        }
        return (output, workspace);
    }

    /// <summary>The GRU step's backward: the gradients of gi (N, 3H), gh (N, 3H) and the previous state (N, H).</summary>
    public static (Tensor Gi, Tensor Gh, Tensor H) GruCellBackward(Tensor workspace, Tensor gh, Tensor hPrev, Tensor gradOutput)
    {
        int n = hPrev.ShapeArray[0], h = hPrev.ShapeArray[1];
        (gh, hPrev) = (Rows(gh), Rows(hPrev));
        var g = gradOutput.Materialize();
        var dgi = Tensor.Empty([n, 3 * h], hPrev.DType);
        var dgh = Tensor.Empty([n, 3 * h], hPrev.DType);
        var dh = Tensor.Empty([n, h], hPrev.DType);
        switch (hPrev.DType)
        {
            case DType.Float32:
                GruCellKernel.Backward<float>(n, h, workspace.AsSpan<float>(), gh.Data<float>(), RowStride(gh), hPrev.Data<float>(), RowStride(hPrev),
                    g.AsSpan<float>(), dgi.AsSpan<float>(), dgh.AsSpan<float>(), dh.AsSpan<float>());
                break;
            case DType.Float64:
                GruCellKernel.Backward<double>(n, h, workspace.AsSpan<double>(), gh.Data<double>(), RowStride(gh), hPrev.Data<double>(), RowStride(hPrev),
                    g.AsSpan<double>(), dgi.AsSpan<double>(), dgh.AsSpan<double>(), dh.AsSpan<double>());
                break;
            default:
                throw NotDefined("GruCellBackward", hPrev);
        }
        return (dgi, dgh, dh);
    }

    /// <summary>The operand itself when each row is contiguous (a batch-first step, a transposed-free view), else a contiguous copy.</summary>
    private static Tensor Rows(Tensor t) => t.StridesArray[1] == 1 || t.ShapeArray[1] == 1 ? t : t.Copy();

    /// <summary>The row stride; a broadcast row (stride 0) is read again for every row.</summary>
    private static int RowStride(Tensor t) => t.ShapeArray[0] == 1 ? 0 : t.StridesArray[0];

    private static NotSupportedException NotDefined(string op, Tensor t) =>
        new($"{op}: not defined for {t.DType.Name()} tensors; convert with .To(DType.Float32) first.");
}
