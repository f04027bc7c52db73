namespace Nabla.Tests.Golden;

/// <summary>
/// Sorting, scans and statistics against PyTorch 1.13: every case of <c>reduce_float64.json</c> and
/// <c>reduce_float32.json</c> (<c>make_reduce_golden.py</c>, whose header defines the <c>prep</c>, <c>nan_at</c> and
/// <c>part</c> arguments), forward value and input gradients, on contiguous, transposed and broadcast inputs.
/// </summary>
public sealed class ReduceGoldenTests
{
    private static readonly string[] Files = ["reduce_float64.json", "reduce_float32.json"];

    private static readonly Dictionary<string, Func<GoldenCase, Tensor[], Tensor>> Ops = new()
    {
        ["sort"] = (c, t) => Part(c, t[0].Sort(c.Arg<int>("dim"), c.Arg<bool>("descending"), c.Arg<bool>("stable"))),
        ["argsort"] = (c, t) => t[0].Argsort(c.Arg<int>("dim"), c.Arg<bool>("descending")),
        ["topk"] = (c, t) => Part(c, t[0].TopK(c.Arg<int>("k"), c.Arg<int>("dim"), c.Arg<bool>("largest"))),
        ["kthvalue"] = (c, t) => Part(c, t[0].Kthvalue(c.Arg<int>("k"), c.Arg<int>("dim"), c.Arg<bool>("keepdim"))),
        ["median_all"] = (c, t) => t[0].Median(),
        ["median_dim"] = (c, t) => Part(c, t[0].Median(c.Arg<int>("dim"), c.Arg<bool>("keepdim"))),
        ["mode"] = (c, t) => Part(c, t[0].Mode(c.Arg<int>("dim"), c.Arg<bool>("keepdim"))),
        ["quantile"] = Quantile,
        ["cumsum"] = (c, t) => t[0].CumSum(c.Arg<int>("dim")),
        ["cumprod"] = (c, t) => t[0].CumProd(c.Arg<int>("dim")),
        ["logcumsumexp"] = (c, t) => t[0].LogCumSumExp(c.Arg<int>("dim")),
        ["cummax"] = (c, t) => Part(c, t[0].Cummax(c.Arg<int>("dim"))),
        ["cummin"] = (c, t) => Part(c, t[0].Cummin(c.Arg<int>("dim"))),
        ["prod"] = (c, t) => c.Arg<int?>("dim") is { } dim ? t[0].Prod(dim, c.Arg<bool>("keepdim")) : t[0].Prod(),
        ["norm"] = (c, t) => t[0].Norm(P(c), c.Arg<int[]?>("dim"), c.Arg<bool>("keepdim")),
        ["dist"] = (c, t) => t[0].Dist(t[1], P(c)),
        ["cdist"] = (c, t) => Tensor.Cdist(t[0], t[1], P(c)),
        ["unique"] = (c, t) => UniquePart(c, t[0].Unique(sorted: true, returnInverse: true, returnCounts: true, dim: c.Arg<int?>("dim"))),
        ["unique_consecutive"] = (c, t) => UniquePart(c, t[0].UniqueConsecutive(returnInverse: true, returnCounts: true, dim: c.Arg<int?>("dim"))),
        ["bincount"] = (c, t) => t[0].Bincount(t.Length > 1 ? t[1] : null, c.Arg<int>("minlength")),
        ["histc"] = (c, t) => t[0].Histc(c.Arg<int>("bins"), c.Arg<double>("min"), c.Arg<double>("max")),
        ["count_nonzero"] = (c, t) => t[0].CountNonzero(c.Arg<int?>("dim") is { } d ? [d] : null),
        ["nansum"] = (c, t) => t[0].Nansum(c.Arg<int?>("dim") is { } d ? [d] : null, c.Arg<bool>("keepdim")),
        ["nanmean"] = (c, t) => t[0].Nanmean(c.Arg<int?>("dim") is { } d ? [d] : null, c.Arg<bool>("keepdim")),
    };

    /// <summary>The case's p, which the fixture writes as "inf" or "-inf" when infinite.</summary>
    private static double P(GoldenCase c)
    {
        var p = c.Arg<System.Text.Json.JsonElement>("p");
        return p.ValueKind == System.Text.Json.JsonValueKind.String ? double.Parse(p.GetString()!.Replace("inf", "Infinity", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture) : p.GetDouble();
    }

    private static Tensor Quantile(GoldenCase c, Tensor[] t)
    {
        int? dim = c.Arg<int?>("dim");
        bool keepDim = c.Arg<bool>("keepdim");
        string mode = c.Arg<string>("interpolation");
        var q = c.Arg<System.Text.Json.JsonElement>("q");
        if (q.ValueKind == System.Text.Json.JsonValueKind.Number) return Part(c, t[0].Quantile(q.GetDouble(), dim, keepDim, mode));
        var qs = Tensor.FromArray(q.EnumerateArray().Select(v => v.GetDouble()).ToArray()).To(t[0].DType);
        return Part(c, t[0].Quantile(qs, dim, keepDim, mode));
    }

    private static Tensor Part(GoldenCase c, (Tensor Values, Tensor Indices) result) => c.Arg<string>("part") switch
    {
        "indices" => result.Indices,
        _ => Part(c, result.Values),
    };

    private static Tensor Part(GoldenCase c, Tensor values) =>
        c.Arg<string>("part") == "isnan" ? values.Ne(values).To(values.DType) : values;

    private static Tensor UniquePart(GoldenCase c, (Tensor Values, Tensor? Inverse, Tensor? Counts) result) => c.Arg<string>("part") switch
    {
        "inverse" => result.Inverse!,
        "counts" => result.Counts!,
        _ => result.Values,
    };

    /// <summary>Input 0 with NaN at the case's <c>nan_at</c> positions, then viewed as its <c>prep</c> says.</summary>
    private static Tensor[] Prepared(GoldenCase c, Tensor[] inputs)
    {
        var t = (Tensor[])inputs.Clone();
        if (c.Arg<int[]?>("nan_at") is { } nanAt)
        {
            var mask = new double[t[0].Numel];
            foreach (int k in nanAt) mask[k] = 1;
            t[0] = Tensor.Where(Tensor.FromArray(mask).Reshape([.. t[0].Shape]), Tensor.Scalar(double.NaN, t[0].DType), t[0]);
        }
        var prep = c.Arg<System.Text.Json.JsonElement?>("prep");
        if (prep is { ValueKind: System.Text.Json.JsonValueKind.String }) t[0] = t[0].Transpose(-2, -1);
        else if (prep is { ValueKind: System.Text.Json.JsonValueKind.Array } shape) t[0] = t[0].Expand(shape.EnumerateArray().Select(d => d.GetInt32()).ToArray());
        return t;
    }

    /// <summary>(file, case) for every case of both fixtures.</summary>
    public static TheoryData<string, string> Cases => GoldenFixture.TheoryCases(Files, _ => true);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string file, string name)
    {
        var c = GoldenFixture.Case(file, name);
        Assert.True(Ops.TryGetValue(c.Op, out var op), $"{name}: no Nabla mapping for fixture op '{c.Op}'.");
        // Float32 powers and roots differ from PyTorch's by a few ulps.
        double? rtol = c.DType == DType.Float32 && c.Op is "norm" or "dist" or "cdist" or "quantile" ? 1e-4 : null;
        c.AssertMatches(inputs => op(c, Prepared(c, inputs)), rtol);
    }

    [Fact]
    public void EveryFixtureOpIsMapped()
    {
        var fixtureOps = Files.SelectMany(GoldenFixture.Cases).Select(c => c.Op).ToHashSet();
        Assert.True(fixtureOps.SetEquals(Ops.Keys), $"Fixture ops and mapped ops differ: {string.Join(", ", fixtureOps.Except(Ops.Keys).Concat(Ops.Keys.Except(fixtureOps)))}.");
    }

    [Fact]
    public void BothFixturesHoldTheSameCases()
    {
        Assert.Equal(GoldenFixture.Cases(Files[0]).Select(c => c.Name), GoldenFixture.Cases(Files[1]).Select(c => c.Name));
    }
}
