using System.Globalization;

namespace Nabla.NN;

/// <summary>The recurrence a layer runs at every step.</summary>
internal enum RecurrentMode
{
    RnnTanh,
    RnnRelu,
    Lstm,
    Gru,
}

/// <summary>
/// The base of the multi-layer recurrent layers <see cref="RNN"/>, <see cref="LSTM"/> and <see cref="GRU"/>, like
/// PyTorch's <c>nn.RNNBase</c>: the parameters of every layer and direction under PyTorch's names and in its order
/// (<c>weight_ih_l{k}[_reverse]</c>, <c>weight_hh_l{k}[_reverse]</c>, <c>bias_ih_l{k}[_reverse]</c>,
/// <c>bias_hh_l{k}[_reverse]</c>), all drawn from U(−1/√H, 1/√H), and the loop over time. Each layer and direction
/// projects the inputs of all time steps with one matrix product (both biases folded in, except GRU's recurrent one,
/// which the reset gate scales), then runs the whole direction as one fused sequence primitive (the recurrent products
/// and cells of every step). In variable-length batches the steps past each sequence's length give zero outputs and
/// hold the state, so the final state is the one after the sequence's last element and the reverse direction starts
/// there.
/// </summary>
public abstract class RNNBase : Module
{
    private readonly Generator? _generator;
    private readonly RecurrentMode _mode;
    private readonly int _gates;

    private protected RNNBase(RecurrentMode mode, int inputSize, int hiddenSize, int numLayers, bool bias, bool batchFirst, double dropout,
        bool bidirectional, DType dtype, Generator? generator)
    {
        string name = GetType().Name;
        if (inputSize <= 0) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, $"{name}: inputSize must be positive, got {inputSize}.");
        if (hiddenSize <= 0) throw new ArgumentOutOfRangeException(nameof(hiddenSize), hiddenSize, $"{name}: hiddenSize must be positive, got {hiddenSize}.");
        if (numLayers <= 0) throw new ArgumentOutOfRangeException(nameof(numLayers), numLayers, $"{name}: numLayers must be positive, got {numLayers}.");
        if (!(dropout >= 0 && dropout <= 1)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"{name}: dropout must be in [0, 1], got {dropout}.");
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"{name}: dtype must be float32 or float64, got {dtype.Name()}.", nameof(dtype));
        _mode = mode;
        _gates = GateCount(mode);
        _generator = generator;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        NumLayers = numLayers;
        Bias = bias;
        BatchFirst = batchFirst;
        Dropout = dropout;
        Bidirectional = bidirectional;
        double bound = 1 / Math.Sqrt(hiddenSize);
        for (int layer = 0; layer < numLayers; layer++)
        {
            for (int direction = 0; direction < NumDirections; direction++)
            {
                string suffix = Suffix(layer, direction);
                int inputs = layer == 0 ? inputSize : hiddenSize * NumDirections;
                Init.Uniform(RegisterParameter("weight_ih" + suffix, Tensor.Zeros([_gates * hiddenSize, inputs], dtype)), -bound, bound, generator);
                Init.Uniform(RegisterParameter("weight_hh" + suffix, Tensor.Zeros([_gates * hiddenSize, hiddenSize], dtype)), -bound, bound, generator);
                if (!bias) continue;
                Init.Uniform(RegisterParameter("bias_ih" + suffix, Tensor.Zeros([_gates * hiddenSize], dtype)), -bound, bound, generator);
                Init.Uniform(RegisterParameter("bias_hh" + suffix, Tensor.Zeros([_gates * hiddenSize], dtype)), -bound, bound, generator);
            }
        }
    }

    /// <summary>The number of features of each input element.</summary>
    public int InputSize { get; }

    /// <summary>The number of features of the hidden state.</summary>
    public int HiddenSize { get; }

    /// <summary>The number of stacked layers.</summary>
    public int NumLayers { get; }

    /// <summary>Whether the layers have the biases b_ih and b_hh.</summary>
    public bool Bias { get; }

    /// <summary>Whether inputs and outputs are (N, T, features) rather than (T, N, features).</summary>
    public bool BatchFirst { get; }

    /// <summary>The dropout probability applied to the outputs of every layer but the last, in training mode.</summary>
    public double Dropout { get; }

    /// <summary>Whether every layer also runs backwards in time (its outputs are concatenated with the forward ones).</summary>
    public bool Bidirectional { get; }

    /// <summary>2 for a bidirectional layer, else 1.</summary>
    public int NumDirections => Bidirectional ? 2 : 1;

    /// <summary>Runs the layer on an already checked (T, N, features) input with states of (L·D, N, H) each.</summary>
    private protected (Tensor Output, Tensor[] States) Run(Tensor input, Tensor?[] states, Tensor? lengths)
    {
        ArgumentNullException.ThrowIfNull(input);
        string name = TypeName;
        if (input.Rank is not (2 or 3))
            throw new ArgumentException($"{name}: expected a 2-D (unbatched) or 3-D input, got {ShapeUtil.Describe(input)}.", nameof(input));
        var weight = GetParameter("weight_ih_l0");
        if (input.Shape[^1] != InputSize || input.DType != weight.DType)
        {
            string layout = input.Rank == 2 ? "(T, input_size)" : BatchFirst ? "(N, T, input_size)" : "(T, N, input_size)";
            throw new ArgumentException($"{name}: expected input {layout} with input_size {InputSize} and dtype {weight.DType.Name()}, got {ShapeUtil.Describe(input)}.", nameof(input));
        }
        bool batched = input.Rank == 3;
        var x = !batched ? input.Unsqueeze(1) : BatchFirst ? input.Transpose(0, 1) : input;
        int steps = x.Shape[0], batch = x.Shape[1], layers = NumLayers * NumDirections;
        if (steps == 0) throw new ArgumentException($"{name}: the input has no time steps, got {ShapeUtil.Describe(input)}.", nameof(input));
        int[] stateShape = batched ? [layers, batch, HiddenSize] : [layers, HiddenSize];
        var initial = new Tensor[states.Length];
        for (int k = 0; k < states.Length; k++)
        {
            if (states[k] is not { } s)
            {
                initial[k] = Tensor.Zeros([layers, batch, HiddenSize], weight.DType);
                continue;
            }
            if (!ShapeUtil.SameShape(s.ShapeSpan, stateShape) || s.DType != weight.DType)
                throw new ArgumentException($"{name}: expected hidden state {StateName(k)} of shape {ShapeUtil.Format(stateShape)} {weight.DType.Name()}, got {ShapeUtil.Describe(s)}.", nameof(states));
            initial[k] = batched ? s : s.Unsqueeze(1);
        }
        var sequenceLengths = lengths is null ? null : ReadLengths(lengths, batched, steps, batch);

        var finals = new Tensor[states.Length][];
        for (int k = 0; k < finals.Length; k++) finals[k] = new Tensor[layers];
        var layerInput = x;
        for (int layer = 0; layer < NumLayers; layer++)
        {
            var outputs = new Tensor[NumDirections];
            for (int direction = 0; direction < NumDirections; direction++)
            {
                int index = (layer * NumDirections) + direction;
                var start = new Tensor[initial.Length];
                for (int k = 0; k < start.Length; k++) start[k] = initial[k].Narrow(0, index, 1).Squeeze(0);
                (outputs[direction], var end) = RunDirection(layerInput, Suffix(layer, direction), reverse: direction == 1, start, sequenceLengths);
                for (int k = 0; k < end.Length; k++) finals[k][index] = end[k];
            }
            layerInput = outputs.Length == 1 ? outputs[0] : Tensor.Cat(outputs, 2);
            if (layer < NumLayers - 1 && Dropout > 0 && IsTraining)
                layerInput = Functional.Dropout(layerInput, Dropout, training: true, _generator);
        }

        var result = new Tensor[finals.Length];
        for (int k = 0; k < result.Length; k++)
        {
            var stacked = Tensor.Stack(finals[k], 0);
            result[k] = batched ? stacked : stacked.Squeeze(1);
        }
        var output = !batched ? layerInput.Squeeze(1) : BatchFirst ? layerInput.Transpose(0, 1) : layerInput;
        return (output, result);
    }

    /// <summary>One layer in one direction over (T, N, features): the (T, N, H) outputs and the final states.</summary>
    private (Tensor Output, Tensor[] Final) RunDirection(Tensor x, string suffix, bool reverse, Tensor[] state, Lengths? lengths)
    {
        var wIh = GetParameter("weight_ih" + suffix);
        var wHh = GetParameter("weight_hh" + suffix);
        var bIh = TryGetParameter("bias_ih" + suffix);
        var bHh = TryGetParameter("bias_hh" + suffix);
        bool gru = _mode == RecurrentMode.Gru;
        // One product for every step's input gates; GRU keeps b_hh inside the recurrent term, which r scales.
        var inputBias = gru || bIh is null ? bIh : bIh + bHh!;
        var projected = Functional.Linear(x, wIh, inputBias);
        int steps = x.Shape[0];
        // The whole direction in one fused primitive: every h_t (then, for the LSTM, the last c); a row past its length
        // holds its state, so the final state is the one after its last element. Its outputs there are zero.
        var sequence = _mode switch
        {
            RecurrentMode.Lstm => Tensor.LstmSequence(projected, wHh, state[0], state[1], reverse, lengths?.Values),
            RecurrentMode.Gru => Tensor.GruSequence(projected, wHh, bHh, state[0], reverse, lengths?.Values),
            _ => Tensor.RnnSequence(projected, wHh, state[0], relu: _mode == RecurrentMode.RnnRelu, reverse, lengths?.Values),
        };
        var hidden = _mode == RecurrentMode.Lstm ? sequence.Narrow(0, 0, steps) : sequence;
        var last = hidden.Narrow(0, reverse ? 0 : steps - 1, 1).Squeeze(0);
        var output = lengths is null ? hidden : Tensor.Where(lengths.Within, hidden, Tensor.Scalar(0, x.DType));
        return _mode == RecurrentMode.Lstm ? (output, [last, sequence.Narrow(0, steps, 1).Squeeze(0)]) : (output, [last]);
    }

    /// <summary>A batch's lengths: every sequence's, and the (T, N, 1) mask of the steps within them.</summary>
    private sealed record Lengths(int[] Values, Tensor Within);

    /// <summary>The lengths of a batch's sequences, checked against its shape.</summary>
    private Lengths ReadLengths(Tensor lengths, bool batched, int steps, int batch)
    {
        string name = TypeName;
        if (!batched)
            throw new ArgumentException($"{name}: lengths need a batched 3-D input, got an unbatched one.", nameof(lengths));
        if (lengths.DType != DType.Int64 || lengths.Rank != 1 || lengths.Shape[0] != batch)
            throw new ArgumentException($"{name}: expected lengths of shape {ShapeUtil.Format([batch])} int64, got {ShapeUtil.Describe(lengths)}.", nameof(lengths));
        var values = lengths.ToArray<long>();
        foreach (long v in values)
        {
            if (v < 1 || v > steps)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{name}: every length must be in [1, {steps}] (the number of time steps), got {v}."), nameof(lengths));
        }
        var within = new bool[steps * batch];
        for (int t = 0; t < steps; t++)
        {
            for (int n = 0; n < batch; n++) within[(t * batch) + n] = t < values[n];
        }
        return new Lengths(Array.ConvertAll(values, v => (int)v), Tensor.FromArray(within, steps, batch, 1));
    }

    private string StateName(int k) => _mode == RecurrentMode.Lstm ? (k == 0 ? "h" : "c") : "h";

    private static string Suffix(int layer, int direction) =>
        string.Create(CultureInfo.InvariantCulture, $"_l{layer}") + (direction == 1 ? "_reverse" : "");

    internal static int GateCount(RecurrentMode mode) => mode switch
    {
        RecurrentMode.Lstm => 4,
        RecurrentMode.Gru => 3,
        _ => 1,
    };

    /// <inheritdoc/>
    public override string ExtraRepr()
    {
        var s = string.Create(CultureInfo.InvariantCulture, $"{InputSize}, {HiddenSize}");
        if (NumLayers != 1) s += string.Create(CultureInfo.InvariantCulture, $", num_layers={NumLayers}");
        if (!Bias) s += ", bias=False";
        if (BatchFirst) s += ", batch_first=True";
        if (Dropout != 0) s += ", dropout=" + PyRepr.Float(Dropout);
        if (Bidirectional) s += ", bidirectional=True";
        return s;
    }
}
