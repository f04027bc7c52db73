using Nabla.NN;

namespace Nabla.Tests.NN;

/// <summary>
/// The recurrent layers beyond the PyTorch fixtures: padded batches with lengths against each sequence run alone,
/// finite-difference checks of whole layers, dropout between layers, the parameter layout and the errors for bad input.
/// </summary>
public sealed class RecurrentTests
{
    private static RNNBase Make(string kind, int layers, bool bidirectional, bool batchFirst, ulong seed)
    {
        var g = new Generator(seed);
        return kind switch
        {
            "rnn" => new RNN(3, 4, layers, "tanh", batchFirst: batchFirst, bidirectional: bidirectional, dtype: DType.Float64, generator: g),
            "lstm" => new LSTM(3, 4, layers, batchFirst: batchFirst, bidirectional: bidirectional, dtype: DType.Float64, generator: g),
            _ => new GRU(3, 4, layers, batchFirst: batchFirst, bidirectional: bidirectional, dtype: DType.Float64, generator: g),
        };
    }

    /// <summary>Output and final states (c is null but for LSTM).</summary>
    private static (Tensor Output, Tensor H, Tensor? C) Run(RNNBase layer, Tensor x, Tensor? lengths) => layer switch
    {
        LSTM lstm => lstm.Forward(x, null, lengths) is var (o, (h, c)) ? (o, h, c) : default,
        RNN rnn => rnn.Forward(x, null, lengths) is var (o, h) ? (o, h, null) : default,
        GRU gru => gru.Forward(x, null, lengths) is var (o, h) ? (o, h, null) : default,
        _ => throw new InvalidOperationException(),
    };

    public static TheoryData<string, bool> Kinds => new() { { "rnn", false }, { "lstm", false }, { "lstm", true }, { "gru", false }, { "gru", true } };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void PaddedBatchWithLengthsEqualsEachSequenceAlone(string kind, bool batchFirst)
    {
        const int T = 5, N = 3;
        long[] lengths = [5, 2, 3];
        var layer = Make(kind, layers: 2, bidirectional: true, batchFirst, seed: 11);
        var x = NNTestUtil.Sample(1, batchFirst ? [N, T, 3] : [T, N, 3]).SetRequiresGrad();
        int outWidth = 8;
        var wOut = NNTestUtil.Sample(2, batchFirst ? [N, T, outWidth] : [T, N, outWidth]);
        var wH = NNTestUtil.Sample(3, 4, N, 4);
        var wC = NNTestUtil.Sample(4, 4, N, 4);
        int timeDim = batchFirst ? 1 : 0, batchDim = batchFirst ? 0 : 1;

        var (output, h, c) = Run(layer, x, Tensor.FromArray(lengths));
        var loss = (output * wOut).Sum() + (h * wH).Sum() + (c is null ? Tensor.Scalar(0, DType.Float64) : (c * wC).Sum());
        loss.Backward();
        var padded = layer.Parameters().Select(p => p.Grad!.Clone()).ToArray();
        var gradX = x.Grad!;

        var alone = layer.Parameters().Select(p => Tensor.ZerosLike(p)).ToArray();
        for (int n = 0; n < N; n++)
        {
            int len = (int)lengths[n];
            layer.ZeroGrad();
            var xn = x.Detach().Narrow(batchDim, n, 1).Narrow(timeDim, 0, len).Contiguous().SetRequiresGrad();
            var (on, hn, cn) = Run(layer, xn, null);
            var lossN = (on * wOut.Narrow(batchDim, n, 1).Narrow(timeDim, 0, len)).Sum() + (hn * wH.Narrow(1, n, 1)).Sum()
                + (cn is null ? Tensor.Scalar(0, DType.Float64) : (cn * wC.Narrow(1, n, 1)).Sum());
            lossN.Backward();
            using (Autograd.NoGrad())
            {
                NNTestUtil.AssertClose(on, output.Narrow(batchDim, n, 1).Narrow(timeDim, 0, len), 1e-12, $"{kind} output of sequence {n}");
                if (len < T)
                {
                    var pad = output.Narrow(batchDim, n, 1).Narrow(timeDim, len, T - len);
                    Assert.All(pad.ToDoubleArray(), v => Assert.Equal(0.0, v));
                    Assert.All(gradX.Narrow(batchDim, n, 1).Narrow(timeDim, len, T - len).ToDoubleArray(), v => Assert.Equal(0.0, v));
                }
                NNTestUtil.AssertClose(hn, h.Narrow(1, n, 1), 1e-12, $"{kind} h_n of sequence {n}");
                if (cn is not null) NNTestUtil.AssertClose(cn, c!.Narrow(1, n, 1), 1e-12, $"{kind} c_n of sequence {n}");
                NNTestUtil.AssertClose(xn.Grad!, gradX.Narrow(batchDim, n, 1).Narrow(timeDim, 0, len), 1e-12, $"{kind} input gradient of sequence {n}");
                var ps = layer.Parameters().ToArray();
                for (int k = 0; k < ps.Length; k++) alone[k].AddInPlace(ps[k].Grad!);
            }
        }
        for (int k = 0; k < padded.Length; k++) NNTestUtil.AssertClose(alone[k], padded[k], 1e-12, $"{kind} parameter gradient {k}");
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    [InlineData("rnn")]
    public void WholeLayerGradientsMatchFiniteDifferences(string kind)
    {
        var layer = Make(kind, layers: 2, bidirectional: true, batchFirst: false, seed: 5);
        var x = NNTestUtil.Sample(7, 3, 2, 3).SetRequiresGrad();
        var lengths = Tensor.FromArray(new long[] { 3, 2 });
        var inputs = new[] { x }.Concat(layer.Parameters()).ToArray();
        var result = GradCheck.Check(_ =>
        {
            var (o, h, c) = Run(layer, x, lengths);
            return c is null ? Tensor.Cat([o.Reshape(-1), h.Reshape(-1)], 0) : Tensor.Cat([o.Reshape(-1), h.Reshape(-1), c.Reshape(-1)], 0);
        }, inputs);
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void LstmSecondOrderGradientsMatchFiniteDifferences()
    {
        var lstm = new LSTM(2, 3, dtype: DType.Float64, generator: new Generator(3));
        var x = NNTestUtil.Sample(8, 3, 2, 2).SetRequiresGrad();
        var result = GradCheck.CheckSecondOrder(xs => lstm.Forward(xs[0]).Output, [x, lstm.GetParameter("weight_hh_l0")]);
        Assert.True(result.Passed, result.ToString());
    }

    [Theory]
    [InlineData(false, false, 5, 37)]
    [InlineData(true, false, 5, 37)]
    [InlineData(false, false, 9, 372)]
    [InlineData(true, false, 9, 372)]
    [InlineData(false, true, 5, 37)]
    [InlineData(true, true, 9, 372)]
    public void FusedLstmSequenceEqualsItsStepByStepComposition(bool reverse, bool ragged, int batch, int hidden)
    {
        // Sizes past a vector's width and a GEMM tile, in float32, where a different order of sums would show; the larger
        // steps split their rows between threads, which must not change a bit. Ragged batches hold rows past their length.
        const int T = 4;
        var lengths = ragged ? RaggedLengths(batch, T) : null;
        var gates = NNTestUtil.Sample(21, T, batch, 4 * hidden).To(DType.Float32).SetRequiresGrad();
        var weight = (NNTestUtil.Sample(22, 4 * hidden, hidden) * (1.0 / Math.Sqrt(hidden))).To(DType.Float32).SetRequiresGrad();
        var h0 = NNTestUtil.Sample(23, batch, hidden).To(DType.Float32).SetRequiresGrad();
        var c0 = NNTestUtil.Sample(24, batch, hidden).To(DType.Float32).SetRequiresGrad();
        var upstream = NNTestUtil.Sample(25, T + 1, batch, hidden).To(DType.Float32);
        FusedEqualsComposition(() => Tensor.LstmSequence(gates, weight, h0, c0, reverse, lengths), Tensor.LstmSequenceComposed(gates, weight, h0, c0, reverse, lengths),
            [gates, weight, h0, c0], upstream, 1e-5);
    }

    [Theory]
    [InlineData(false, true, false, 5, 37)]
    [InlineData(true, true, false, 5, 37)]
    [InlineData(false, false, false, 9, 372)]
    [InlineData(true, true, false, 9, 372)]
    [InlineData(true, true, true, 5, 37)]
    [InlineData(false, false, true, 9, 372)]
    public void FusedGruSequenceEqualsItsStepByStepComposition(bool reverse, bool bias, bool ragged, int batch, int hidden)
    {
        // As for the LSTM: float32 sizes past a vector's width and a GEMM tile, the larger steps split between threads.
        const int T = 4;
        var lengths = ragged ? RaggedLengths(batch, T) : null;
        var gates = NNTestUtil.Sample(31, T, batch, 3 * hidden).To(DType.Float32).SetRequiresGrad();
        var weight = (NNTestUtil.Sample(32, 3 * hidden, hidden) * (1.0 / Math.Sqrt(hidden))).To(DType.Float32).SetRequiresGrad();
        var biasHh = bias ? NNTestUtil.Sample(33, 3 * hidden).To(DType.Float32).SetRequiresGrad() : null;
        var h0 = NNTestUtil.Sample(34, batch, hidden).To(DType.Float32).SetRequiresGrad();
        var upstream = NNTestUtil.Sample(35, T, batch, hidden).To(DType.Float32);
        Tensor[] inputs = biasHh is null ? [gates, weight, h0] : [gates, weight, biasHh, h0];
        FusedEqualsComposition(() => Tensor.GruSequence(gates, weight, biasHh, h0, reverse, lengths), Tensor.GruSequenceComposed(gates, weight, biasHh, h0, reverse, lengths),
            inputs, upstream, 1e-5);
    }

    [Theory]
    [InlineData(false, false, false, 5, 37)]
    [InlineData(true, true, false, 5, 37)]
    [InlineData(false, true, false, 70, 372)]
    [InlineData(true, false, false, 70, 372)]
    [InlineData(false, false, true, 5, 37)]
    [InlineData(true, true, true, 70, 372)]
    public void FusedRnnSequenceEqualsItsStepByStepComposition(bool reverse, bool relu, bool ragged, int batch, int hidden)
    {
        // As for the LSTM: float32 sizes past a vector's width and a GEMM tile, the larger steps split between threads.
        const int T = 4;
        var lengths = ragged ? RaggedLengths(batch, T) : null;
        var gates = NNTestUtil.Sample(41, T, batch, hidden).To(DType.Float32).SetRequiresGrad();
        var weight = (NNTestUtil.Sample(42, hidden, hidden) * (1.0 / Math.Sqrt(hidden))).To(DType.Float32).SetRequiresGrad();
        var h0 = NNTestUtil.Sample(43, batch, hidden).To(DType.Float32).SetRequiresGrad();
        var upstream = NNTestUtil.Sample(44, T, batch, hidden).To(DType.Float32);
        FusedEqualsComposition(() => Tensor.RnnSequence(gates, weight, h0, relu, reverse, lengths), Tensor.RnnSequenceComposed(gates, weight, h0, relu, reverse, lengths),
            [gates, weight, h0], upstream, 1e-4);
    }

    [Fact]
    public void SequenceLengthsOfTheWrongCountOrRangeAreRefused()
    {
        var gates = Tensor.Zeros([4, 2, 8]);
        var weight = Tensor.Zeros([8, 2]);
        var state = Tensor.Zeros([2, 2]);
        var count = Assert.Throws<ArgumentException>(() => Tensor.LstmSequence(gates, weight, state, state, reverse: false, [4]));
        Assert.Contains("LstmSequence: expected 2 lengths", count.Message, StringComparison.Ordinal);
        var zero = Assert.Throws<ArgumentException>(() => Tensor.GruSequence(Tensor.Zeros([4, 2, 6]), Tensor.Zeros([6, 2]), null, state, reverse: false, [0, 4]));
        Assert.Contains("GruSequence: every length must be in [1, 4]", zero.Message, StringComparison.Ordinal);
        var past = Assert.Throws<ArgumentException>(() => Tensor.RnnSequence(Tensor.Zeros([4, 2, 2]), Tensor.Zeros([2, 2]), state, relu: false, reverse: true, [4, 5]));
        Assert.Contains("got 5", past.Message, StringComparison.Ordinal);
    }

    /// <summary>Lengths 1, T, T − 1, …: every length in [1, T], neighbouring rows different, so each step holds some rows.</summary>
    private static int[] RaggedLengths(int batch, int steps) => Enumerable.Range(0, batch).Select(n => 1 + ((n * (steps - 1)) % steps)).ToArray();

    /// <summary>
    /// A fused sequence's output equals its step-by-step composition bit for bit on one thread and on two; its
    /// gradients match the composition's to <paramref name="atol"/> (plus 1e-5 relative) and are bitwise the same on
    /// both thread counts.
    /// </summary>
    private static void FusedEqualsComposition(Func<Tensor> fused, Tensor composed, Tensor[] inputs, Tensor upstream, double atol)
    {
        var composedGrads = Autograd.Grad([composed], inputs, [upstream]);
        float[][]? firstGrads = null;
        int saved = Kernels.Parallelism.NumThreads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                Kernels.Parallelism.NumThreads = threads;
                var output = fused();
                Assert.Equal(composed.ToArray<float>(), output.ToArray<float>());
                var grads = Autograd.Grad([output], inputs, [upstream]).Select(g => g!.ToArray<float>()).ToArray();
                for (int i = 0; i < inputs.Length; i++)
                {
                    float[] expected = composedGrads[i]!.ToArray<float>();
                    for (int j = 0; j < expected.Length; j++)
                        Assert.True(Math.Abs(grads[i][j] - expected[j]) <= atol + (1e-5 * Math.Abs(expected[j])), $"input {i}, element {j}: {grads[i][j]} vs {expected[j]}");
                    if (firstGrads is not null) Assert.Equal(firstGrads[i], grads[i]);
                }
                firstGrads = grads;
            }
        }
        finally
        {
            Kernels.Parallelism.NumThreads = saved;
        }
    }

    [Fact]
    public void DropoutActsBetweenLayersOnlyInTraining()
    {
        var x = NNTestUtil.Sample(9, 4, 2, 3);
        var noDropout = new LSTM(3, 4, 2, dtype: DType.Float64, generator: new Generator(1));
        var dropout = new LSTM(3, 4, 2, dropout: 0.5, dtype: DType.Float64, generator: new Generator(1));
        var single = new LSTM(3, 4, 1, dropout: 0.5, dtype: DType.Float64, generator: new Generator(1));
        var singleReference = new LSTM(3, 4, 1, dtype: DType.Float64, generator: new Generator(1));
        using var noGrad = Autograd.NoGrad();
        var reference = noDropout.Forward(x).Output;
        Assert.False(reference.AllClose(dropout.Forward(x).Output), "dropout between layers in training mode");
        dropout.Eval();
        Assert.True(reference.AllClose(dropout.Forward(x).Output, 0, 0), "no dropout in evaluation mode");
        Assert.True(singleReference.Forward(x).Output.AllClose(single.Forward(x).Output, 0, 0), "no dropout after the last layer");
    }

    [Fact]
    public void ParametersFollowPyTorchsNamesShapesOrderAndInitialisation()
    {
        var gru = new GRU(3, 5, 2, bias: true, bidirectional: true);
        Assert.Equal(
            ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
             "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1", "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"],
            gru.StateDict().Keys);
        Assert.Equal([15, 3], gru.GetParameter("weight_ih_l0").Shape);
        Assert.Equal([15, 10], gru.GetParameter("weight_ih_l1_reverse").Shape);
        Assert.Equal([15, 5], gru.GetParameter("weight_hh_l1").Shape);
        Assert.All(gru.Parameters().SelectMany(p => p.ToDoubleArray()), v => Assert.InRange(v, -1 / Math.Sqrt(5), 1 / Math.Sqrt(5)));
        Assert.Equal(["weight_ih", "weight_hh"], new LSTMCell(3, 2, bias: false).StateDict().Keys);
        Assert.Equal([8, 3], new LSTMCell(3, 2).GetParameter("weight_ih").Shape);
        Assert.Equal("LSTM(3, 5, num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True)",
            new LSTM(3, 5, 2, bias: false, batchFirst: true, dropout: 0.5, bidirectional: true).ToString());
        Assert.Equal("RNN(3, 5, nonlinearity=relu)", new RNN(3, 5, nonlinearity: "relu").ToString());
        Assert.Equal("GRUCell(3, 5, bias=False)", new GRUCell(3, 5, bias: false).ToString());
    }

    [Fact]
    public void LayersWorkInsideSequential()
    {
        var model = new Sequential(new Embedding(10, 4), new LSTM(4, 6, batchFirst: true), new Linear(6, 10));
        var logits = model.Forward(Tensor.FromArray(new long[] { 1, 2, 3, 4, 5, 6 }).Reshape(2, 3));
        Assert.Equal([2, 3, 10], logits.Shape);
    }

    [Fact]
    public void BadInputsNameTheLayerAndTheShapes()
    {
        var lstm = new LSTM(3, 4, 2);
        AssertThrows("LSTM", "[2, 5]", () => lstm.Forward(Tensor.Zeros(2, 5)));
        AssertThrows("LSTM", "[2, 2, 2, 3]", () => lstm.Forward(Tensor.Zeros(2, 2, 2, 3)));
        AssertThrows("LSTM: expected hidden state c of shape [2, 2, 4]", "[2, 3, 4]",
            () => lstm.Forward(Tensor.Zeros(5, 2, 3), (Tensor.Zeros(2, 2, 4), Tensor.Zeros(2, 3, 4))));
        var gru = new GRU(3, 4, batchFirst: true);
        AssertThrows("GRU: expected hidden state h of shape [1, 2, 4]", "[2, 4]", () => gru.Forward(Tensor.Zeros(2, 5, 3), Tensor.Zeros(2, 4)));
        AssertThrows("GRU: expected lengths of shape [2] int64", "[2] float32", () => gru.Forward(Tensor.Zeros(2, 5, 3), null, Tensor.Zeros(2)));
        AssertThrows("GRU: expected lengths of shape [2] int64", "[3] int64", () => gru.Forward(Tensor.Zeros(2, 5, 3), null, Tensor.FromArray(new long[] { 1, 2, 3 })));
        AssertThrows("GRU", "got 6", () => gru.Forward(Tensor.Zeros(2, 5, 3), null, Tensor.FromArray(new long[] { 6, 2 })));
        AssertThrows("GRU", "got 0", () => gru.Forward(Tensor.Zeros(2, 5, 3), null, Tensor.FromArray(new long[] { 1, 0 })));
        var rnn = new RNN(3, 4);
        AssertThrows("RNN", "float64", () => rnn.Forward(Tensor.Zeros([5, 2, 3], DType.Float64)));
        AssertThrows("RNN", "unbatched", () => rnn.Forward(Tensor.Zeros(5, 3), null, Tensor.FromArray(new long[] { 5 })));
        AssertThrows("LSTMCell", "[2, 4]", () => new LSTMCell(3, 4).Forward(Tensor.Zeros(2, 4), null));
        AssertThrows("GRUCell: expected hidden state hx of shape [2, 4]", "[3, 4]", () => new GRUCell(3, 4).Forward(Tensor.Zeros(2, 3), Tensor.Zeros(3, 4)));
        Assert.Throws<ArgumentException>(() => new RNN(3, 4, nonlinearity: "sigmoid"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LSTM(3, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GRU(3, 4, dropout: 1.5));
    }

    private static void AssertThrows(string start, string contains, Action act)
    {
        var e = Assert.ThrowsAny<ArgumentException>(act);
        Assert.StartsWith(start, e.Message, StringComparison.Ordinal);
        Assert.Contains(contains, e.Message, StringComparison.Ordinal);
    }
}
