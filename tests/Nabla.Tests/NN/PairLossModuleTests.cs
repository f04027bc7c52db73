using Nabla.NN;

namespace Nabla.Tests.NN;

/// <summary>The modules over the embedding, ranking and likelihood losses, the distances and the bilinear layer.</summary>
public class PairLossModuleTests
{
    private static Tensor R(params int[] shape) => Tensor.Randn(shape, DType.Float64, new Generator((ulong)shape.Sum()));

    [Fact]
    public void ModulesCallTheirFunctionalForm()
    {
        Tensor a = R(4, 3), p = R(4, 3) * 0.5, n = R(4, 3) + 1;
        Assert.Equal(Functional.TripletMarginLoss(a, p, n, 0.5, 1, swap: true).Item(), new TripletMarginLoss(0.5, 1, swap: true).Forward(a, p, n).Item());
        var y = Tensor.FromArray([1.0, -1, 1, -1]);
        Assert.Equal(Functional.CosineEmbeddingLoss(a, p, y, 0.1).Item(), new CosineEmbeddingLoss(0.1).Forward([a, p, y]).Item());
        Assert.Equal(Functional.MarginRankingLoss(a[.., 0], p[.., 0], y, 0.2).Item(), new MarginRankingLoss(0.2).Forward(a[.., 0], p[.., 0], y).Item());
        Assert.Equal(Functional.HingeEmbeddingLoss(a.Abs(), y.Unsqueeze(1)).Item(), new HingeEmbeddingLoss().Forward(a.Abs(), y.Unsqueeze(1)).Item());
        Assert.Equal(Functional.PoissonNllLoss(a, p.Abs()).Item(), new PoissonNLLLoss().Forward(a, p.Abs()).Item());
        Assert.Equal(Functional.GaussianNllLoss(a, p, n.Abs(), full: true).Item(), new GaussianNLLLoss(full: true).Forward(a, p, n.Abs()).Item());
        Assert.Equal(Functional.CosineSimilarity(a, p).ToDoubleArray(), new CosineSimilarity().Forward(a, p).ToDoubleArray());
        Assert.Equal(Functional.PairwiseDistance(a, p, 3).ToDoubleArray(), new PairwiseDistance(3).Forward([a, p]).ToDoubleArray());
    }

    [Fact]
    public void PrintoutsAndArityReadLikePyTorch()
    {
        Assert.Equal("TripletMarginLoss(margin=1.0, p=2.0)", new TripletMarginLoss().ToString());
        Assert.Equal("GaussianNLLLoss(eps=1e-06, full=True, reduction=Sum)", new GaussianNLLLoss(full: true, reduction: Reduction.Sum).ToString());
        Assert.Equal("CosineSimilarity(dim=1, eps=1e-08)", new CosineSimilarity().ToString());
        Assert.Equal("Bilinear(in1_features=3, in2_features=2, out_features=4, bias=True)", new Bilinear(3, 2, 4).ToString());
        Assert.Contains("expected 3 inputs (anchor, positive, negative), got 2", Assert.Throws<ArgumentException>(() => new TripletMarginLoss().Forward([R(2), R(2)])).Message);
        Assert.Contains("takes two inputs", Assert.Throws<NotSupportedException>(() => new PairwiseDistance().Forward(R(2))).Message);
    }

    [Fact]
    public void BadInputsAreNamed()
    {
        Assert.Contains("var has negative entries", Assert.Throws<ArgumentException>(() => Functional.GaussianNllLoss(R(3), R(3), Tensor.FromArray([1.0, -1, 1]))).Message);
        Assert.Contains("var [2, 2] float64 is of incorrect size for input [3, 2] float64",
            Assert.Throws<ArgumentException>(() => Functional.GaussianNllLoss(R(3, 2), R(3, 2), R(2, 2).Abs())).Message);
        Assert.Contains("target [4, 1] float64", Assert.Throws<ArgumentException>(() => Functional.CosineEmbeddingLoss(R(4, 3), R(4, 3), R(4, 1))).Message);
        Assert.Contains("must all be (N, D) or all (D)", Assert.Throws<ArgumentException>(() => Functional.TripletMarginLoss(R(4, 3), R(4, 3), R(3))).Message);
        Assert.Contains("expected inputs (*, 3) and (*, 2)", Assert.Throws<ArgumentException>(() => Functional.Bilinear(R(4, 3), R(5, 2), R(6, 3, 2))).Message);
        Assert.Contains("one dtype", Assert.Throws<ArgumentException>(() => Functional.CosineSimilarity(R(2, 2), R(2, 2).To(DType.Float32))).Message);
    }

    [Fact]
    public void BilinearLayerHasPyTorchsLayoutAndBounds()
    {
        var layer = new Bilinear(16, 5, 3, dtype: DType.Float64, generator: new Generator(1));
        Assert.Equal([3, 16, 5], layer.Weight.Shape);
        Assert.Equal([3], layer.Bias!.Shape);
        Assert.True(layer.Weight.Abs().Max().Item() <= 0.25 && layer.Bias.Abs().Max().Item() <= 0.25);
        var y = layer.Forward(R(2, 7, 16), R(2, 7, 5));
        Assert.Equal([2, 7, 3], y.Shape);
        var reference = Tensor.Einsum("bi,oij,bj->bo", R(2, 7, 16).Reshape(14, 16), layer.Weight, R(2, 7, 5).Reshape(14, 5)) + layer.Bias;
        Assert.True(reference.AllClose(y.Reshape(14, 3), rtol: 1e-12, atol: 1e-12));
    }
}
