using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// The base of the single-step cells <see cref="RNNCell"/>, <see cref="LSTMCell"/> and <see cref="GRUCell"/>, like
/// PyTorch's <c>nn.RNNCellBase</c>: <c>weight_ih</c> (G·H, input_size), <c>weight_hh</c> (G·H, H), <c>bias_ih</c> and
/// <c>bias_hh</c> (G·H), all drawn from U(−1/√H, 1/√H), and the checks of the input and state shapes.
/// </summary>
public abstract class RNNCellBase : Module
{
    private protected RNNCellBase(int gates, int inputSize, int hiddenSize, bool bias, DType dtype, Generator? generator)
    {
        string name = GetType().Name;
        if (inputSize <= 0) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, $"{name}: inputSize must be positive, got {inputSize}.");
        if (hiddenSize <= 0) throw new ArgumentOutOfRangeException(nameof(hiddenSize), hiddenSize, $"{name}: hiddenSize must be positive, got {hiddenSize}.");
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"{name}: dtype must be float32 or float64, got {dtype.Name()}.", nameof(dtype));
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        double bound = 1 / Math.Sqrt(hiddenSize);
        Init.Uniform(RegisterParameter("weight_ih", Tensor.Zeros([gates * hiddenSize, inputSize], dtype)), -bound, bound, generator);
        Init.Uniform(RegisterParameter("weight_hh", Tensor.Zeros([gates * hiddenSize, hiddenSize], dtype)), -bound, bound, generator);
        if (!bias) return;
        Init.Uniform(RegisterParameter("bias_ih", Tensor.Zeros([gates * hiddenSize], dtype)), -bound, bound, generator);
        Init.Uniform(RegisterParameter("bias_hh", Tensor.Zeros([gates * hiddenSize], dtype)), -bound, bound, generator);
    }

    /// <summary>The number of features of the input.</summary>
    public int InputSize { get; }

    /// <summary>The number of features of the hidden state.</summary>
    public int HiddenSize { get; }

    /// <summary>Whether the cell has the biases b_ih and b_hh.</summary>
    public bool Bias => TryGetParameter("bias_ih") is not null;

    /// <summary>W_ih, (G·hidden_size, input_size); like every parameter of the cell it can be replaced by another of the same shape and dtype.</summary>
    public Tensor WeightIh
    {
        get => GetParameter("weight_ih");
        set => ReplaceParameter("weight_ih", value);
    }

    /// <summary>W_hh, (G·hidden_size, hidden_size).</summary>
    public Tensor WeightHh
    {
        get => GetParameter("weight_hh");
        set => ReplaceParameter("weight_hh", value);
    }

    /// <summary>b_ih, (G·hidden_size), or null without biases.</summary>
    public Tensor? BiasIh
    {
        get => TryGetParameter("bias_ih");
        set => ReplaceParameter("bias_ih", value!);
    }

    /// <summary>b_hh, (G·hidden_size), or null without biases.</summary>
    public Tensor? BiasHh
    {
        get => TryGetParameter("bias_hh");
        set => ReplaceParameter("bias_hh", value!);
    }

    /// <summary>The input as (N, input_size), and whether it came unbatched (input_size).</summary>
    private protected (Tensor Input, bool Batched) CheckInput(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank is not (1 or 2) || input.Shape[^1] != InputSize || input.DType != WeightIh.DType)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{TypeName}: expected input (N, {InputSize}) or ({InputSize}) {WeightIh.DType.Name()}, got {ShapeUtil.Describe(input)}."), nameof(input));
        }
        return input.Rank == 1 ? (input.Unsqueeze(0), false) : (input, true);
    }

    /// <summary>A state as (N, hidden_size): zeros when null, else checked against the input's batch.</summary>
    private protected Tensor CheckState(Tensor? state, Tensor input, bool batched, string what)
    {
        int n = input.Shape[0];
        if (state is null) return Tensor.Zeros([n, HiddenSize], input.DType);
        int[] expected = batched ? [n, HiddenSize] : [HiddenSize];
        if (!ShapeUtil.SameShape(state.ShapeSpan, expected) || state.DType != input.DType)
            throw new ArgumentException($"{TypeName}: expected hidden state {what} of shape {ShapeUtil.Format(expected)} {input.DType.Name()}, got {ShapeUtil.Describe(state)}.", what);
        return batched ? state : state.Unsqueeze(0);
    }

    /// <inheritdoc/>
    public override string ExtraRepr() =>
        string.Create(CultureInfo.InvariantCulture, $"{InputSize}, {HiddenSize}") + (Bias ? "" : ", bias=False");
}
