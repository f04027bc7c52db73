using Nabla.NN;

namespace Nabla.Tests.NN;

/// <summary>
/// Attention and the Transformer layers beyond the PyTorch fixtures: float64 gradient checks (first and second order),
/// −∞ masking without NaN gradients, fully masked rows, state dict keys, clones, the positional encodings, and
/// the errors bad shapes raise.
/// </summary>
public sealed class AttentionTests
{
    private static Tensor Leaf(int seed, params int[] shape) => NNTestUtil.Sample(seed, shape).SetRequiresGrad();

    private static Tensor Mask(int[] shape, params long[] values) => Tensor.FromArray(values, shape);

    [Fact]
    public void ScaledDotProductAttentionPassesGradCheckWithEveryMaskKind()
    {
        Tensor[] inputs = [Leaf(1, 2, 3, 2), Leaf(2, 2, 4, 2), Leaf(3, 2, 4, 3)];
        var keep = Mask([3, 4], 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1);
        var additive = NNTestUtil.Sample(4, 3, 4);
        Func<Tensor[], Tensor>[] variants =
        [
            x => Functional.ScaledDotProductAttention(x[0], x[1], x[2]),
            x => Functional.ScaledDotProductAttention(x[0], x[1], x[2], isCausal: true, scale: 0.7),
            x => Functional.ScaledDotProductAttention(x[0], x[1], x[2], keep),
            x => Functional.ScaledDotProductAttention(x[0], x[1].Transpose(-2, -1).Transpose(-2, -1), x[2], additive),
        ];
        foreach (var f in variants)
        {
            var first = GradCheck.Check(f, inputs);
            Assert.True(first.Passed, first.ToString());
            var second = GradCheck.CheckSecondOrder(f, inputs);
            Assert.True(second.Passed, second.ToString());
        }
    }

    [Fact]
    public void MultiheadAttentionPassesGradCheckOverInputsAndParameters()
    {
        var mha = new MultiheadAttention(4, 2, dtype: DType.Float64, generator: new Generator(5));
        using (Autograd.NoGrad())
        {
            foreach (var p in mha.Parameters()) p.CopyFrom(p + NNTestUtil.Sample(6, [.. p.Shape]) * 0.1);
        }
        var padding = Mask([2, 3], 0, 0, 1, 0, 0, 0);
        Tensor[] inputs = [Leaf(7, 2, 2, 4), Leaf(8, 3, 2, 4), .. mha.Parameters()];
        Tensor F(Tensor[] x) => mha.Forward(x[0], x[1], x[1], padding, averageAttnWeights: false).Output;
        var first = GradCheck.Check(F, inputs);
        Assert.True(first.Passed, first.ToString());
        var second = GradCheck.CheckSecondOrder(F, [inputs[0], inputs[1]]);
        Assert.True(second.Passed, second.ToString());
    }

    [Fact]
    public void MaskedKeysGetExactlyZeroGradientAndNoNaN()
    {
        var q = Leaf(1, 3, 2);
        var k = Leaf(2, 4, 2);
        var v = Leaf(3, 4, 2);
        var keep = Mask([1, 4], 1, 0, 1, 1);
        var output = Functional.ScaledDotProductAttention(q, k, v, keep);
        output.Sum().Backward();
        Assert.All(q.Grad!.ToDoubleArray(), g => Assert.True(double.IsFinite(g)));
        Assert.Equal([0.0, 0.0], k.Grad!.Narrow(0, 1, 1).ToDoubleArray());
        Assert.Equal([0.0, 0.0], v.Grad!.Narrow(0, 1, 1).ToDoubleArray());
        Assert.All(k.Grad!.ToDoubleArray(), g => Assert.True(double.IsFinite(g)));
    }

    [Fact]
    public void FullyMaskedRowIsNaNAsInPyTorch()
    {
        var keep = Mask([2, 3], 1, 1, 0, 0, 0, 0);
        var output = Functional.ScaledDotProductAttention(NNTestUtil.Sample(1, 2, 2), NNTestUtil.Sample(2, 3, 2), NNTestUtil.Sample(3, 3, 2), keep);
        Assert.All(output.Narrow(0, 0, 1).ToDoubleArray(), x => Assert.True(double.IsFinite(x)));
        Assert.All(output.Narrow(0, 1, 1).ToDoubleArray(), x => Assert.True(double.IsNaN(x)));
    }

    [Fact]
    public void IsCausalEqualsTheSquareSubsequentMask()
    {
        var mha = new MultiheadAttention(4, 2, batchFirst: true, dtype: DType.Float64, generator: new Generator(1));
        var x = NNTestUtil.Sample(2, 2, 5, 4);
        var causal = mha.Forward(x, x, x, isCausal: true);
        var masked = mha.Forward(x, x, x, attnMask: Transformer.GenerateSquareSubsequentMask(5, DType.Float64));
        var boolean = mha.Forward(x, x, x, attnMask: Tensor.Ones([5, 5], DType.Int64).Triu(1));
        NNTestUtil.AssertClose(masked.Output, causal.Output, 1e-12, "causal output");
        NNTestUtil.AssertClose(masked.Weights!, causal.Weights!, 1e-12, "causal weights");
        NNTestUtil.AssertClose(masked.Output, boolean.Output, 1e-12, "boolean mask output");
        var sdpa = Functional.ScaledDotProductAttention(x, x, x, isCausal: true);
        var sdpaMasked = Functional.ScaledDotProductAttention(x, x, x, Transformer.GenerateSquareSubsequentMask(5, DType.Float64));
        NNTestUtil.AssertClose(sdpaMasked, sdpa, 1e-12, "sdpa causal");
    }

    [Fact]
    public void GenerateSquareSubsequentMaskIsMinusInfinityAboveTheDiagonal()
    {
        var mask = Transformer.GenerateSquareSubsequentMask(3).ToDoubleArray();
        double n = double.NegativeInfinity;
        Assert.Equal([0, n, n, 0, 0, n, 0, 0, 0], mask);
    }

    [Fact]
    public void StateDictKeysArePyTorchs()
    {
        var layer = new TransformerEncoderLayer(8, 2, 16);
        Assert.Equal(
            ["self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias", "linear1.weight", "linear1.bias",
             "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"],
            layer.StateDict().Keys);
        var encoder = new TransformerEncoder(layer, 2, new LayerNorm(8));
        Assert.Contains("layers.1.self_attn.in_proj_weight", encoder.StateDict().Keys);
        Assert.Contains("norm.weight", encoder.StateDict().Keys);
        var model = new Transformer(8, 2, 1, 1, 16);
        Assert.Contains("decoder.layers.0.multihead_attn.in_proj_weight", model.StateDict().Keys);
        Assert.Contains("encoder.norm.bias", model.StateDict().Keys);
        Assert.Contains("decoder.norm.weight", model.StateDict().Keys);
        Assert.Equal(["q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"],
            new MultiheadAttention(4, 2, kdim: 3, vdim: 5).StateDict().Keys);
        Assert.DoesNotContain("norm1.bias", new TransformerEncoderLayer(8, 2, 16, bias: false).StateDict().Keys);
    }

    [Fact]
    public void MultiheadAttentionInitialisesLikePyTorch()
    {
        var mha = new MultiheadAttention(16, 4, generator: new Generator(3));
        Assert.All(mha.InProjBias!.ToDoubleArray(), b => Assert.Equal(0, b));
        Assert.All(mha.OutProj.Bias!.ToDoubleArray(), b => Assert.Equal(0, b));
        double bound = Math.Sqrt(6.0 / (16 + 48));
        Assert.All(mha.InProjWeight!.ToDoubleArray(), w => Assert.InRange(w, -bound, bound));
        Assert.True(mha.InProjWeight!.Abs().Max().Item() > 0.8 * bound);
    }

    [Fact]
    public void EncoderCopiesTheLayerIntoIndependentLayers()
    {
        var layer = new TransformerEncoderLayer(8, 2, 16, dropout: 0, generator: new Generator(2));
        var encoder = new TransformerEncoder(layer, 3);
        Assert.Equal(3, encoder.NumLayers);
        var original = layer.Linear1.Weight.ToDoubleArray();
        Assert.Equal(original, encoder[2].Linear1.Weight.ToDoubleArray());
        Assert.NotSame(encoder[0].Linear1.Weight, encoder[1].Linear1.Weight);
        using (Autograd.NoGrad()) encoder[0].Linear1.Weight.Zero();
        Assert.Equal(original, encoder[1].Linear1.Weight.ToDoubleArray());
        Assert.Equal(original, layer.Linear1.Weight.ToDoubleArray());
        Assert.Throws<ArgumentException>(() => new TransformerEncoder(_ => layer, 2));
    }

    [Fact]
    public void EncoderLayerWorksInSequentialAndUnbatched()
    {
        var layer = new TransformerEncoderLayer(8, 2, 16, dropout: 0, dtype: DType.Float64, generator: new Generator(4));
        var x = NNTestUtil.Sample(1, 5, 8);
        var unbatched = new Sequential(layer).Forward(x);
        var batched = layer.Forward(x.Unsqueeze(1)).Squeeze(1);
        NNTestUtil.AssertClose(batched, unbatched, 1e-12, "unbatched");
    }

    [Fact]
    public void BatchFirstMatchesSequenceFirst()
    {
        var seqFirst = new MultiheadAttention(8, 2, dtype: DType.Float64, generator: new Generator(6));
        var batchFirst = new MultiheadAttention(8, 2, batchFirst: true, dtype: DType.Float64, generator: new Generator(7));
        batchFirst.LoadStateDict(seqFirst.StateDict());
        var q = NNTestUtil.Sample(1, 4, 3, 8);
        var kv = NNTestUtil.Sample(2, 6, 3, 8);
        var padding = Mask([3, 6], 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0);
        var a = seqFirst.Forward(q, kv, kv, padding);
        var b = batchFirst.Forward(q.Transpose(0, 1), kv.Transpose(0, 1), kv.Transpose(0, 1), padding);
        NNTestUtil.AssertClose(a.Output.Transpose(0, 1), b.Output, 1e-12, "output");
        NNTestUtil.AssertClose(a.Weights!, b.Weights!, 1e-12, "weights");
    }

    [Fact]
    public void PositionalEncodingFollowsTheFormulaAndRejectsLongSequences()
    {
        var pe = new PositionalEncoding(6, dropout: 0, maxLen: 10, dtype: DType.Float64);
        Assert.Equal([10, 1, 6], pe.Pe.Shape);
        Assert.Equal(Math.Sin(3 / Math.Pow(10000, 2.0 / 6)), pe.Pe.ToDoubleArray()[(3 * 6) + 2], 12);
        Assert.Equal(Math.Cos(7 / Math.Pow(10000, 4.0 / 6)), pe.Pe.ToDoubleArray()[(7 * 6) + 5], 12);
        Assert.Equal(["pe"], pe.StateDict().Keys);
        var x = NNTestUtil.Sample(1, 2, 4, 6);
        var batchFirst = new PositionalEncoding(6, dropout: 0, maxLen: 10, batchFirst: true, dtype: DType.Float64);
        NNTestUtil.AssertClose(pe.Forward(x.Transpose(0, 1)).Transpose(0, 1), batchFirst.Forward(x), 1e-15, "batch first");
        var error = Assert.Throws<ArgumentException>(() => pe.Forward(NNTestUtil.Sample(2, 11, 1, 6)));
        Assert.Contains("11 exceeds maxLen 10", error.Message);
    }

    [Fact]
    public void PositionalEmbeddingAddsTheFirstRowsAndTrainsThem()
    {
        var pos = new PositionalEmbedding(8, 4, batchFirst: true, dtype: DType.Float64, generator: new Generator(1));
        Assert.Equal(["embedding.weight"], pos.StateDict().Keys);
        var x = NNTestUtil.Sample(2, 3, 5, 4);
        var y = pos.Forward(x);
        NNTestUtil.AssertClose(x + pos.Embedding.Forward(Tensor.Arange(5)), y, 1e-15, "output");
        y.Sum().Backward();
        var grad = pos.Embedding.Weight.Grad!;
        Assert.Equal(Enumerable.Repeat(3.0, 20), grad.Narrow(0, 0, 5).ToDoubleArray());
        Assert.All(grad.Narrow(0, 5, 3).ToDoubleArray(), g => Assert.Equal(0, g));
        Assert.Contains("exceeds maxLen 8", Assert.Throws<ArgumentException>(() => pos.Forward(NNTestUtil.Sample(3, 2, 9, 4))).Message);
    }

    [Fact]
    public void TrilTriuMaskedFillMatchTheirDefinitions()
    {
        var x = Tensor.Arange(1, 13, 1, DType.Float64).Reshape(3, 4);
        Assert.Equal([1, 2, 0, 0, 5, 6, 7, 0, 9, 10, 11, 12], x.Tril(1).ToDoubleArray());
        Assert.Equal([0, 0, 0, 0, 5, 0, 0, 0, 9, 10, 0, 0], x.Tril(-1).ToDoubleArray());
        Assert.Equal([1, 2, 3, 4, 0, 6, 7, 8, 0, 0, 11, 12], x.Triu().ToDoubleArray());
        Assert.Equal([1L, 0, 0, 1], Tensor.Ones([2, 2], DType.Int64).Tril().Triu().ToArray<long>());
        Assert.Equal(DType.Int64, Tensor.Ones([2, 2], DType.Int64).Tril().DType);
        var filled = x.MaskedFill(Mask([4], 0, 1, 0, 0), -1);
        Assert.Equal([1, -1, 3, 4, 5, -1, 7, 8, 9, -1, 11, 12], filled.ToDoubleArray());
    }

    [Fact]
    public void BadShapesNameTheLayerAndTheShapes()
    {
        var mha = new MultiheadAttention(8, 2);
        var x = Tensor.Zeros(5, 3, 8);
        AssertMessage(() => new MultiheadAttention(10, 3), "MultiheadAttention", "10", "3");
        AssertMessage(() => mha.Forward(Tensor.Zeros(5, 3, 2, 8)), "MultiheadAttention", "[5, 3, 2, 8]");
        AssertMessage(() => mha.Forward(Tensor.Zeros(5, 3, 6)), "MultiheadAttention", "8", "[5, 3, 6]");
        AssertMessage(() => mha.Forward(x, Tensor.Zeros(4, 2, 8), Tensor.Zeros(4, 2, 8)), "MultiheadAttention", "batch size", "[4, 2, 8]");
        AssertMessage(() => mha.Forward(x, x, x, attnMask: Tensor.Zeros([5, 4], DType.Int64)), "attnMask", "[5, 5]", "[6, 5, 5]", "[5, 4]");
        AssertMessage(() => mha.Forward(x, x, x, keyPaddingMask: Tensor.Zeros([3, 4], DType.Int64)), "keyPaddingMask", "[3, 5]", "[3, 4]");
        AssertMessage(() => mha.Forward(x, x, x, keyPaddingMask: Tensor.Zeros([3, 5], DType.Float64)), "keyPaddingMask", "float64");
        AssertMessage(() => new TransformerEncoderLayer(8, 3), "TransformerEncoderLayer", "8", "3");
        AssertMessage(() => new TransformerEncoderLayer(8, 2, activation: "tanh"), "TransformerEncoderLayer", "tanh");
        AssertMessage(() => new TransformerEncoderLayer(8, 2).Forward(Tensor.Zeros(5, 3, 4)), "TransformerEncoderLayer", "E = 8", "[5, 3, 4]");
        AssertMessage(() => new TransformerDecoderLayer(8, 2).Forward(x, Tensor.Zeros(5, 3, 6)), "TransformerDecoderLayer", "memory", "[5, 3, 6]");
        var model = new Transformer(8, 2, 1, 1, 16);
        AssertMessage(() => model.Forward(x, Tensor.Zeros(4, 2, 8)), "Transformer", "batch size", "[5, 3, 8]", "[4, 2, 8]");
        AssertMessage(() => model.Forward(x, Tensor.Zeros(4, 3, 6)), "Transformer", "dModel = 8", "[4, 3, 6]");
        AssertMessage(() => Functional.ScaledDotProductAttention(Tensor.Zeros(2, 5, 4), Tensor.Zeros(2, 6, 3), Tensor.Zeros(2, 6, 3)), "ScaledDotProductAttention", "[2, 5, 4]", "[2, 6, 3]");
        AssertMessage(() => Functional.ScaledDotProductAttention(Tensor.Zeros(2, 5, 4), Tensor.Zeros(2, 6, 4), Tensor.Zeros(2, 7, 3)), "ScaledDotProductAttention", "value", "[2, 7, 3]");
        AssertMessage(() => Functional.ScaledDotProductAttention(Tensor.Zeros(2, 5, 4), Tensor.Zeros(2, 6, 4), Tensor.Zeros(2, 6, 3), Tensor.Zeros([5, 5], DType.Int64)), "attnMask", "[2, 5, 6]", "[5, 5]");
        AssertMessage(() => Functional.ScaledDotProductAttention(Tensor.Zeros(4), Tensor.Zeros(2, 6, 4), Tensor.Zeros(2, 6, 3)), "ScaledDotProductAttention", "[4]");
        AssertMessage(() => Functional.ScaledDotProductAttention(x, x, x, Transformer.GenerateSquareSubsequentMask(3), isCausal: true), "ScaledDotProductAttention", "isCausal");
        AssertMessage(() => Tensor.Zeros(4).Tril(), "Tril", "[4]");
        AssertMessage(() => Tensor.Zeros(3, 4).MaskedFill(Tensor.Zeros([2, 3, 4], DType.Int64), 0), "MaskedFill", "[2, 3, 4]", "[3, 4]");
    }

    private static void AssertMessage(Action action, params string[] fragments)
    {
        var error = Assert.ThrowsAny<ArgumentException>(action);
        foreach (var f in fragments) Assert.Contains(f, error.Message);
    }
}
