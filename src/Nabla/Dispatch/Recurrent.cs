using Nabla.Kernels;

namespace Nabla.Dispatch;

/// <summary>
/// The fused recurrent steps: allocates the results and the workspace the backward pass reads, picks the dtype's kernel
/// and passes each operand's rows with their stride (rows must be contiguous within; others are copied first).
/// Operands are 2-D (N, width) and share one float dtype, checked by the caller. The sequences take every row's length
/// (null when every row runs all steps); a row holds its state over the steps past its length.
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
                    output.AsSpan<float>()[..(n * h)], output.AsSpan<float>()[(n * h)..], workspace.AsSpan<float>());
                break;
            case DType.Float64:
                LstmCellKernel.Forward<double>(n, h, gi.Data<double>(), RowStride(gi), gh.Data<double>(), RowStride(gh), c.Data<double>(), RowStride(c),
                    output.AsSpan<double>()[..(n * h)], output.AsSpan<double>()[(n * h)..], workspace.AsSpan<double>());
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
                LstmCellKernel.Backward<float>(n, h, workspace.AsSpan<float>(), c.Data<float>(), RowStride(c), g.AsSpan<float>()[..(n * h)], default, g.AsSpan<float>()[(n * h)..], gates.AsSpan<float>(), gc.AsSpan<float>());
                break;
            case DType.Float64:
                LstmCellKernel.Backward<double>(n, h, workspace.AsSpan<double>(), c.Data<double>(), RowStride(c), g.AsSpan<double>()[..(n * h)], default, g.AsSpan<double>()[(n * h)..], gates.AsSpan<double>(), gc.AsSpan<double>());
                break;
            default:
                throw NotDefined("LstmCellBackward", c);
        }
        return (gates, gc);
    }

    /// <summary>
    /// An LSTM layer direction over a sequence from its input gates (T, N, 4H), W_hh (4H, H) and the initial states
    /// (N, H): the output (T + 1, N, H) of every h_t and the last c, and, for the backward pass, the cells (T, N, H) and
    /// the workspace (T, N, 5H).
    /// </summary>
    public static (Tensor Output, Tensor Cells, Tensor Workspace) LstmSequence(Tensor gates, Tensor weight, Tensor h0, Tensor c0, bool reverse, int[]? lengths)
    {
        int steps = gates.ShapeArray[0], n = h0.ShapeArray[0], h = h0.ShapeArray[1];
        if (gates.StridesArray[2] != 1) gates = gates.Copy();
        (h0, c0) = (Rows(h0), Rows(c0));
        var output = Tensor.Empty([steps + 1, n, h], h0.DType);
        var cells = Tensor.Empty([steps, n, h], h0.DType);
        var workspace = Tensor.Empty([steps, n, 5 * h], h0.DType);
        var recurrent = Tensor.Empty([n, 4 * h], h0.DType);
        int stepStride = gates.StridesArray[0], rowStride = n == 1 ? 0 : gates.StridesArray[1];
        switch (h0.DType)
        {
            case DType.Float32:
                LstmSequenceKernel.Forward<float>(steps, n, h, reverse, lengths, gates.Data<float>(), stepStride, rowStride,
                    weight.Data<float>(), weight.StridesArray[0], weight.StridesArray[1], h0.Data<float>(), RowStride(h0), c0.Data<float>(), RowStride(c0),
                    output.AsSpan<float>(), cells.AsSpan<float>(), workspace.AsSpan<float>(), recurrent.AsSpan<float>());
                break;
            case DType.Float64:
                LstmSequenceKernel.Forward<double>(steps, n, h, reverse, lengths, gates.Data<double>(), stepStride, rowStride,
                    weight.Data<double>(), weight.StridesArray[0], weight.StridesArray[1], h0.Data<double>(), RowStride(h0), c0.Data<double>(), RowStride(c0),
                    output.AsSpan<double>(), cells.AsSpan<double>(), workspace.AsSpan<double>(), recurrent.AsSpan<double>());
                break;
            default:
                throw NotDefined("LstmSequence", h0);
        }
        return (output, cells, workspace);
    }

    /// <summary>
    /// The sequence's backward from the gradient of its (T + 1, N, H) output: the gradients of the input gates
    /// (T, N, 4H), of W_hh (4H, H; null unless <paramref name="wantWeight"/>) and of h₀ and c₀ (N, H).
    /// </summary>
    public static (Tensor Gates, Tensor? Weight, Tensor H0, Tensor C0) LstmSequenceBackward(Tensor weight, Tensor h0, Tensor c0,
        Tensor output, Tensor cells, Tensor workspace, Tensor gradOutput, bool reverse, int[]? lengths, bool wantWeight)
    {
        int steps = cells.ShapeArray[0], n = h0.ShapeArray[0], h = h0.ShapeArray[1];
        (h0, c0) = (Rows(h0), Rows(c0));
        var g = gradOutput.DType == h0.DType ? gradOutput.Materialize() : gradOutput.To(h0.DType).Materialize();
        var gates = Tensor.Empty([steps, n, 4 * h], h0.DType);
        var gw = wantWeight ? Tensor.Empty([4 * h, h], h0.DType) : null;
        var gh0 = Tensor.Empty([n, h], h0.DType);
        var gc0 = Tensor.Empty([n, h], h0.DType);
        var gradH = Tensor.Empty([lengths is null ? n : 3 * n, h], h0.DType);
        switch (h0.DType)
        {
            case DType.Float32:
                LstmSequenceKernel.Backward<float>(steps, n, h, reverse, lengths, weight.Data<float>(), weight.StridesArray[0], weight.StridesArray[1],
                    h0.Data<float>(), RowStride(h0), c0.Data<float>(), RowStride(c0), output.AsSpan<float>(), cells.AsSpan<float>(), workspace.AsSpan<float>(),
                    g.AsSpan<float>(), gates.AsSpan<float>(), gw is null ? default : gw.AsSpan<float>(), gh0.AsSpan<float>(), gc0.AsSpan<float>(), gradH.AsSpan<float>());
                break;
            case DType.Float64:
                LstmSequenceKernel.Backward<double>(steps, n, h, reverse, lengths, weight.Data<double>(), weight.StridesArray[0], weight.StridesArray[1],
                    h0.Data<double>(), RowStride(h0), c0.Data<double>(), RowStride(c0), output.AsSpan<double>(), cells.AsSpan<double>(), workspace.AsSpan<double>(),
                    g.AsSpan<double>(), gates.AsSpan<double>(), gw is null ? default : gw.AsSpan<double>(), gh0.AsSpan<double>(), gc0.AsSpan<double>(), gradH.AsSpan<double>());
                break;
            default:
                throw NotDefined("LstmSequenceBackward", h0);
        }
        return (gates, gw, gh0, gc0);
    }

    /// <summary>
    /// A GRU layer direction over a sequence from its input gates (T, N, 3H), W_hh (3H, H), b_hh (3H, or null) and the
    /// initial state (N, H): the output (T, N, H) of every h_t and, for the backward pass, the recurrent gates (T, N, 3H)
    /// and the workspace (T, N, 3H).
    /// </summary>
    public static (Tensor Output, Tensor Recurrent, Tensor Workspace) GruSequence(Tensor gates, Tensor weight, Tensor? bias, Tensor h0, bool reverse, int[]? lengths)
    {
        int steps = gates.ShapeArray[0], n = h0.ShapeArray[0], h = h0.ShapeArray[1];
        if (gates.StridesArray[2] != 1) gates = gates.Copy();
        if (bias is not null && bias.StridesArray[0] != 1) bias = bias.Copy();
        h0 = Rows(h0);
        var output = Tensor.Empty([steps, n, h], h0.DType);
        var recurrent = Tensor.Empty([steps, n, 3 * h], h0.DType);
        var workspace = Tensor.Empty([steps, n, 3 * h], h0.DType);
        int stepStride = gates.StridesArray[0], rowStride = n == 1 ? 0 : gates.StridesArray[1];
        switch (h0.DType)
        {
            case DType.Float32:
                GruSequenceKernel.Forward<float>(steps, n, h, reverse, lengths, gates.Data<float>(), stepStride, rowStride,
                    weight.Data<float>(), weight.StridesArray[0], weight.StridesArray[1], bias is null ? default : bias.Data<float>()[..(3 * h)],
                    h0.Data<float>(), RowStride(h0), output.AsSpan<float>(), recurrent.AsSpan<float>(), workspace.AsSpan<float>());
                break;
            case DType.Float64:
                GruSequenceKernel.Forward<double>(steps, n, h, reverse, lengths, gates.Data<double>(), stepStride, rowStride,
                    weight.Data<double>(), weight.StridesArray[0], weight.StridesArray[1], bias is null ? default : bias.Data<double>()[..(3 * h)],
                    h0.Data<double>(), RowStride(h0), output.AsSpan<double>(), recurrent.AsSpan<double>(), workspace.AsSpan<double>());
                break;
            default:
                throw NotDefined("GruSequence", h0);
        }
        return (output, recurrent, workspace);
    }

    /// <summary>
    /// The sequence's backward from the gradient of its (T, N, H) output: the gradients of the input gates (T, N, 3H), of
    /// W_hh (3H, H; null unless <paramref name="wantWeight"/>), of b_hh (3H; null unless <paramref name="wantBias"/>) and
    /// of h₀ (N, H).
    /// </summary>
    public static (Tensor Gates, Tensor? Weight, Tensor? Bias, Tensor H0) GruSequenceBackward(Tensor weight, Tensor h0, Tensor output, Tensor recurrent,
        Tensor workspace, Tensor gradOutput, bool reverse, int[]? lengths, bool wantWeight, bool wantBias)
    {
        int steps = output.ShapeArray[0], n = h0.ShapeArray[0], h = h0.ShapeArray[1];
        h0 = Rows(h0);
        var g = gradOutput.DType == h0.DType ? gradOutput.Materialize() : gradOutput.To(h0.DType).Materialize();
        var gates = Tensor.Empty([steps, n, 3 * h], h0.DType);
        var gradRecurrent = Tensor.Empty([steps, n, 3 * h], h0.DType);
        var gw = wantWeight ? Tensor.Empty([3 * h, h], h0.DType) : null;
        var gb = wantBias ? Tensor.Empty([3 * h], h0.DType) : null;
        var gh0 = Tensor.Empty([n, h], h0.DType);
        var gradH = Tensor.Empty([lengths is null ? n : 2 * n, h], h0.DType);
        switch (h0.DType)
        {
            case DType.Float32:
                GruSequenceKernel.Backward<float>(steps, n, h, reverse, lengths, weight.Data<float>(), weight.StridesArray[0], weight.StridesArray[1],
                    h0.Data<float>(), RowStride(h0), output.AsSpan<float>(), recurrent.AsSpan<float>(), workspace.AsSpan<float>(), g.AsSpan<float>(),
                    gates.AsSpan<float>(), gradRecurrent.AsSpan<float>(), gw is null ? default : gw.AsSpan<float>(), gb is null ? default : gb.AsSpan<float>(),
                    gh0.AsSpan<float>(), gradH.AsSpan<float>());
                break;
            case DType.Float64:
                GruSequenceKernel.Backward<double>(steps, n, h, reverse, lengths, weight.Data<double>(), weight.StridesArray[0], weight.StridesArray[1],
                    h0.Data<double>(), RowStride(h0), output.AsSpan<double>(), recurrent.AsSpan<double>(), workspace.AsSpan<double>(), g.AsSpan<double>(),
                    gates.AsSpan<double>(), gradRecurrent.AsSpan<double>(), gw is null ? default : gw.AsSpan<double>(), gb is null ? default : gb.AsSpan<double>(),
                    gh0.AsSpan<double>(), gradH.AsSpan<double>());
                break;
            default:
                throw NotDefined("GruSequenceBackward", h0);
        }
        return (gates, gw, gb, gh0);
    }

    /// <summary>An Elman RNN layer direction over a sequence from its input gates (T, N, H), W_hh (H, H) and h₀ (N, H): every h_t, (T, N, H).</summary>
    public static Tensor RnnSequence(Tensor gates, Tensor weight, Tensor h0, bool relu, bool reverse, int[]? lengths)
    {
        int steps = gates.ShapeArray[0], n = h0.ShapeArray[0], h = h0.ShapeArray[1];
        if (gates.StridesArray[2] != 1) gates = gates.Copy();
        h0 = Rows(h0);
        var output = Tensor.Empty([steps, n, h], h0.DType);
        var recurrent = Tensor.Empty([n, h], h0.DType);
        int stepStride = gates.StridesArray[0], rowStride = n == 1 ? 0 : gates.StridesArray[1];
        switch (h0.DType)
        {
            case DType.Float32:
                RnnSequenceKernel.Forward<float>(steps, n, h, reverse, lengths, relu, gates.Data<float>(), stepStride, rowStride,
                    weight.Data<float>(), weight.StridesArray[0], weight.StridesArray[1], h0.Data<float>(), RowStride(h0), output.AsSpan<float>(), recurrent.AsSpan<float>());
                break;
            case DType.Float64:
                RnnSequenceKernel.Forward<double>(steps, n, h, reverse, lengths, relu, gates.Data<double>(), stepStride, rowStride,
                    weight.Data<double>(), weight.StridesArray[0], weight.StridesArray[1], h0.Data<double>(), RowStride(h0), output.AsSpan<double>(), recurrent.AsSpan<double>());
                break;
            default:
                throw NotDefined("RnnSequence", h0);
        }
        return output;
    }

    /// <summary>
    /// The sequence's backward from the gradient of its (T, N, H) output: the gradients of the input gates (T, N, H), of
    /// W_hh (H, H; null unless <paramref name="wantWeight"/>) and of h₀ (N, H).
    /// </summary>
    public static (Tensor Gates, Tensor? Weight, Tensor H0) RnnSequenceBackward(Tensor weight, Tensor h0, Tensor output, Tensor gradOutput, bool relu, bool reverse,
        int[]? lengths, bool wantWeight)
    {
        int steps = output.ShapeArray[0], n = h0.ShapeArray[0], h = h0.ShapeArray[1];
        h0 = Rows(h0);
        var g = gradOutput.DType == h0.DType ? gradOutput.Materialize() : gradOutput.To(h0.DType).Materialize();
        var gates = Tensor.Empty([steps, n, h], h0.DType);
        var gw = wantWeight ? Tensor.Empty([h, h], h0.DType) : null;
        var gh0 = Tensor.Empty([n, h], h0.DType);
        var gradH = Tensor.Empty([lengths is null ? n : 2 * n, h], h0.DType);
        switch (h0.DType)
        {
            case DType.Float32:
                RnnSequenceKernel.Backward<float>(steps, n, h, reverse, lengths, relu, weight.Data<float>(), weight.StridesArray[0], weight.StridesArray[1],
                    h0.Data<float>(), RowStride(h0), output.AsSpan<float>(), g.AsSpan<float>(), gates.AsSpan<float>(), gw is null ? default : gw.AsSpan<float>(),
                    gh0.AsSpan<float>(), gradH.AsSpan<float>());
                break;
            case DType.Float64:
                RnnSequenceKernel.Backward<double>(steps, n, h, reverse, lengths, relu, weight.Data<double>(), weight.StridesArray[0], weight.StridesArray[1],
                    h0.Data<double>(), RowStride(h0), output.AsSpan<double>(), g.AsSpan<double>(), gates.AsSpan<double>(), gw is null ? default : gw.AsSpan<double>(),
                    gh0.AsSpan<double>(), gradH.AsSpan<double>());
                break;
            default:
                throw NotDefined("RnnSequenceBackward", h0);
        }
        return (gates, gw, gh0);
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
                    g.AsSpan<float>(), default, dgi.AsSpan<float>(), dgh.AsSpan<float>(), dh.AsSpan<float>());
                break;
            case DType.Float64:
                GruCellKernel.Backward<double>(n, h, workspace.AsSpan<double>(), gh.Data<double>(), RowStride(gh), hPrev.Data<double>(), RowStride(hPrev),
                    g.AsSpan<double>(), default, dgi.AsSpan<double>(), dgh.AsSpan<double>(), dh.AsSpan<double>());
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
