using Nabla.Dispatch;

namespace Nabla;

public sealed partial class Tensor
{
    /// <summary>
    /// One fused LSTM step (the primitive the LSTM layers run at every time step): from the input gates
    /// <paramref name="gi"/> (N, 4H), the recurrent gates <paramref name="gh"/> (N, 4H), in the gate order i, f, g, o,
    /// and the previous cell <paramref name="c"/> (N, H), the (2, N, H) block [h'; c'] with c' = σ(f)·c + σ(i)·tanh(g)
    /// and h' = σ(o)·tanh(c').
    /// </summary>
    internal static Tensor LstmCell(Tensor gi, Tensor gh, Tensor c)
    {
        CheckCell("LstmCell", 4, gi, gh, c);
        var (output, workspace) = Recurrent.LstmCell(gi, gh, c);
        return Record(output, new OpKind.LstmCell(workspace), [gi, gh, c]);
    }

    /// <summary>
    /// One fused GRU step, as PyTorch defines it: from <paramref name="gi"/> (N, 3H) and <paramref name="gh"/> (N, 3H),
    /// each with its bias, in the gate order r, z, n, and the previous state <paramref name="h"/> (N, H):
    /// h' = (1 − z)·n + z·h with r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r·gh_n).
    /// </summary>
    internal static Tensor GruCell(Tensor gi, Tensor gh, Tensor h)
    {
        CheckCell("GruCell", 3, gi, gh, h);
        var (output, workspace) = Recurrent.GruCell(gi, gh, h);
        return Record(output, new OpKind.GruCell(workspace), [gi, gh, h]);
    }

    private static void CheckCell(string op, int gates, Tensor gi, Tensor gh, Tensor state)
    {
        if (state.Rank != 2)
            throw new ArgumentException($"{op}: the state must be 2-D (N, H), got {ShapeUtil.Describe(state)}.", nameof(state));
        int n = state.ShapeArray[0], h = state.ShapeArray[1];
        foreach (var gate in (ReadOnlySpan<Tensor>)[gi, gh])
        {
            if (gate.Rank != 2 || gate.ShapeArray[0] != n || gate.ShapeArray[1] != gates * h)
                throw new ArgumentException($"{op}: expected gates of shape {ShapeUtil.Format([n, gates * h])}, got {ShapeUtil.Describe(gate)}.", nameof(gi));
            if (gate.DType != state.DType)
                throw new ArgumentException($"{op}: the gates and the state must share a dtype, got {ShapeUtil.Describe(gate)} and {ShapeUtil.Describe(state)}.", nameof(gi));
        }
        state.RequireFloat(op);
    }
}
