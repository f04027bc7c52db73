using System.Globalization;
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
    /// A whole LSTM layer direction over a sequence, fused (the primitive the LSTM layers run when no lengths are given):
    /// from the input gates <paramref name="gates"/> (T, N, 4H) = x_t·W_ihᵀ + biases, the recurrent weight
    /// <paramref name="weightHh"/> (4H, H) and the initial states <paramref name="h0"/> and <paramref name="c0"/> (N, H),
    /// the (T + 1, N, H) block of every step's h_t, in time order, followed by the last cell state. With
    /// <paramref name="reverse"/> the steps run from t = T − 1 down to 0. Each step is <see cref="LstmCell"/> applied to
    /// the step's input gates and h_(t−1)·W_hhᵀ. With <paramref name="lengths"/> (every row's length, in [1, T]) a row
    /// holds h and c over the steps past its length: its h_t there is h_(t−1), its last cell state the one after its last
    /// element, and running backwards it starts from h₀ and c₀ at that element.
    /// </summary>
    internal static Tensor LstmSequence(Tensor gates, Tensor weightHh, Tensor h0, Tensor c0, bool reverse, int[]? lengths = null)
    {
        CheckSequence("LstmSequence", 4, gates, weightHh, null, h0, c0, lengths);
        var (output, cells, workspace) = Recurrent.LstmSequence(gates, weightHh, h0, c0, reverse, lengths);
        return Record(output, new OpKind.LstmSequence(cells, workspace, reverse, lengths), [gates, weightHh, h0, c0]);
    }

    /// <summary>
    /// The same recurrence as <see cref="LstmSequence"/> composed of one product and one <see cref="LstmCell"/> per step,
    /// so that its graph can be differentiated again.
    /// </summary>
    internal static Tensor LstmSequenceComposed(Tensor gates, Tensor weightHh, Tensor h0, Tensor c0, bool reverse, int[]? lengths = null)
    {
        CheckSequence("LstmSequence", 4, gates, weightHh, null, h0, c0, lengths);
        int steps = gates.ShapeArray[0];
        var outputs = new Tensor[steps + 1];
        Tensor h = h0, c = c0;
        for (int s = 0; s < steps; s++)
        {
            int t = reverse ? steps - 1 - s : s;
            var both = LstmCell(gates.Narrow(0, t, 1).Squeeze(0), h.MatMul(weightHh.T), c);
            outputs[t] = h = Held(lengths, t, both.Narrow(0, 0, 1).Squeeze(0), h);
            c = Held(lengths, t, both.Narrow(0, 1, 1).Squeeze(0), c);
        }
        outputs[steps] = c;
        return Stack(outputs, 0);
    }

    /// <summary>A composed sequence's state after step <paramref name="t"/>: the step's new one, except in the rows past their length, which hold the previous one.</summary>
    private static Tensor Held(int[]? lengths, int t, Tensor next, Tensor previous)
    {
        if (lengths is null || Array.TrueForAll(lengths, length => t < length))
            return next;
        var within = Array.ConvertAll(lengths, length => t < length ? 1.0 : 0.0);
        return Where(FromArray(within).Reshape(lengths.Length, 1), next, previous);
    }

    private static void CheckSequence(string op, int gateCount, Tensor gates, Tensor weightHh, Tensor? biasHh, Tensor h0, Tensor? c0, int[]? lengths)
    {
        if (h0.Rank != 2 || (c0 is not null && (c0.Rank != 2 || !ShapeUtil.SameShape(h0.ShapeSpan, c0.ShapeSpan))))
        {
            string got = c0 is null ? ShapeUtil.Describe(h0) : $"{ShapeUtil.Describe(h0)} and {ShapeUtil.Describe(c0)}";
            throw new ArgumentException($"{op}: the initial state{(c0 is null ? " must be" : "s must both be")} 2-D (N, H), got {got}.", nameof(h0));
        }
        int n = h0.ShapeArray[0], h = h0.ShapeArray[1];
        if (gates.Rank != 3 || gates.ShapeArray[0] == 0 || gates.ShapeArray[1] != n || gates.ShapeArray[2] != gateCount * h)
            throw new ArgumentException($"{op}: expected input gates of shape (T, {n}, {gateCount * h}) with T > 0, got {ShapeUtil.Describe(gates)}.", nameof(gates));
        if (weightHh.Rank != 2 || weightHh.ShapeArray[0] != gateCount * h || weightHh.ShapeArray[1] != h)
            throw new ArgumentException($"{op}: expected a recurrent weight of shape {ShapeUtil.Format([gateCount * h, h])}, got {ShapeUtil.Describe(weightHh)}.", nameof(weightHh));
        if (biasHh is not null && (biasHh.Rank != 1 || biasHh.ShapeArray[0] != gateCount * h))
            throw new ArgumentException($"{op}: expected a recurrent bias of shape {ShapeUtil.Format([gateCount * h])}, got {ShapeUtil.Describe(biasHh)}.", nameof(biasHh));
        foreach (var t in (ReadOnlySpan<Tensor?>)[gates, weightHh, biasHh, c0])
        {
            if (t is not null && t.DType != h0.DType)
                throw new ArgumentException($"{op}: the gates, the weights and the states must share a dtype, got {ShapeUtil.Describe(t)} against the state's {ShapeUtil.Describe(h0)}.", nameof(gates));
        }
        h0.RequireFloat(op);
        if (lengths is not null)
        {
            int steps = gates.ShapeArray[0];
            if (lengths.Length != n)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{op}: expected {n} lengths, one per row of the batch, got {lengths.Length}."), nameof(lengths));
            foreach (int length in lengths)
            {
                if (length < 1 || length > steps)
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{op}: every length must be in [1, {steps}] (the number of steps), got {length}."), nameof(lengths));
            }
        }
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

    /// <summary>
    /// A whole GRU layer direction over a sequence, fused (the primitive the GRU layers run when no lengths are given):
    /// from the input gates <paramref name="gates"/> (T, N, 3H) = x_t·W_ihᵀ + b_ih, the recurrent weight
    /// <paramref name="weightHh"/> (3H, H) and bias <paramref name="biasHh"/> (3H, or null) and the initial state
    /// <paramref name="h0"/> (N, H), the (T, N, H) block of every step's h_t, in time order. With
    /// <paramref name="reverse"/> the steps run from t = T − 1 down to 0. Each step is <see cref="GruCell"/> applied to
    /// the step's input gates and h_(t−1)·W_hhᵀ + b_hh. With <paramref name="lengths"/> (every row's length, in [1, T]) a
    /// row holds h over the steps past its length, as in <see cref="LstmSequence"/>.
    /// </summary>
    internal static Tensor GruSequence(Tensor gates, Tensor weightHh, Tensor? biasHh, Tensor h0, bool reverse, int[]? lengths = null)
    {
        CheckSequence("GruSequence", 3, gates, weightHh, biasHh, h0, null, lengths);
        var (output, recurrent, workspace) = Recurrent.GruSequence(gates, weightHh, biasHh, h0, reverse, lengths);
        var op = new OpKind.GruSequence(recurrent, workspace, reverse, lengths);
        return biasHh is null ? Record(output, op, [gates, weightHh, h0]) : Record(output, op, [gates, weightHh, biasHh, h0]);
    }

    /// <summary>
    /// The same recurrence as <see cref="GruSequence"/> composed of one linear map and one <see cref="GruCell"/> per step,
    /// so that its graph can be differentiated again.
    /// </summary>
    internal static Tensor GruSequenceComposed(Tensor gates, Tensor weightHh, Tensor? biasHh, Tensor h0, bool reverse, int[]? lengths = null)
    {
        CheckSequence("GruSequence", 3, gates, weightHh, biasHh, h0, null, lengths);
        int steps = gates.ShapeArray[0];
        var outputs = new Tensor[steps];
        Tensor h = h0;
        for (int s = 0; s < steps; s++)
        {
            int t = reverse ? steps - 1 - s : s;
            outputs[t] = h = Held(lengths, t, GruCell(gates.Narrow(0, t, 1).Squeeze(0), Linear(h, weightHh, biasHh), h), h);
        }
        return Stack(outputs, 0);
    }

    /// <summary>
    /// A whole Elman RNN layer direction over a sequence, fused (the primitive the RNN layers run when no lengths are
    /// given): from the input gates <paramref name="gates"/> (T, N, H) = x_t·W_ihᵀ + b_ih + b_hh, the recurrent weight
    /// <paramref name="weightHh"/> (H, H) and the initial state <paramref name="h0"/> (N, H), the (T, N, H) block of every
    /// step's h_t = act(gi_t + h_(t−1)·W_hhᵀ), act being tanh or, with <paramref name="relu"/>, ReLU, in time order. With
    /// <paramref name="reverse"/> the steps run from t = T − 1 down to 0. With <paramref name="lengths"/> (every row's
    /// length, in [1, T]) a row holds h over the steps past its length, as in <see cref="LstmSequence"/>.
    /// </summary>
    internal static Tensor RnnSequence(Tensor gates, Tensor weightHh, Tensor h0, bool relu, bool reverse, int[]? lengths = null)
    {
        CheckSequence("RnnSequence", 1, gates, weightHh, null, h0, null, lengths);
        var output = Recurrent.RnnSequence(gates, weightHh, h0, relu, reverse, lengths);
        return Record(output, new OpKind.RnnSequence(relu, reverse, lengths), [gates, weightHh, h0]);
    }

    /// <summary>
    /// The same recurrence as <see cref="RnnSequence"/> composed of one linear map, one sum and one activation per step,
    /// so that its graph can be differentiated again.
    /// </summary>
    internal static Tensor RnnSequenceComposed(Tensor gates, Tensor weightHh, Tensor h0, bool relu, bool reverse, int[]? lengths = null)
    {
        CheckSequence("RnnSequence", 1, gates, weightHh, null, h0, null, lengths);
        int steps = gates.ShapeArray[0];
        var outputs = new Tensor[steps];
        Tensor h = h0;
        for (int s = 0; s < steps; s++)
        {
            int t = reverse ? steps - 1 - s : s;
            var pre = gates.Narrow(0, t, 1).Squeeze(0) + Linear(h, weightHh, null);
            outputs[t] = h = Held(lengths, t, relu ? pre.Relu() : pre.Tanh(), h);
        }
        return Stack(outputs, 0);
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
