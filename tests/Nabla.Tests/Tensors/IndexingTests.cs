using System.Text.Json;
using Nabla.Tests.Golden;

namespace Nabla.Tests.Tensors;

/// <summary>
/// The indexer (basic and advanced indexing, assignment) and the index ops, against PyTorch's values and gradients in
/// <c>tests/golden/indexing.json</c> (<c>make_indexing_golden.py</c>), plus views, dtypes and errors.
/// </summary>
public sealed class IndexingTests
{
    private const string File = "indexing.json";

    /// <summary>Every golden case, masks included.</summary>
    public static TheoryData<string, string> Cases() => GoldenFixture.TheoryCases([File], _ => true);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string file, string name)
    {
        var c = GoldenFixture.Case(file, name);
        c.AssertMatches(x => Run(c, x));
    }

    private static Tensor Run(GoldenCase c, Tensor[] x)
    {
        string? view = c.Arg<string?>("view");
        switch (c.Op)
        {
            case "get": return See(x[0], view)[Index(c)];
            case "set" or "set_scalar":
                {
                    var b = x[0] * 1.0;
                    var y = See(b, view);
                    y[Index(c)] = c.Op == "set" ? x[1] : c.Arg<double>("value");
                    return c.HasArg("ret") && c.Arg<string?>("ret") == "view" ? y : b;
                }
            case "index_put":
                return See(x[0], view).IndexPut(Index(c).Select(i => i.Tensor).ToArray(), x[1], c.Arg<bool>("accumulate"));
            case "masked_select": return See(x[0], view).MaskedSelect(Nested(c, "mask"));
            case "masked_scatter": return See(x[0], view).MaskedScatter(Nested(c, "mask"), x[1]);
            case "masked_fill_": return (See(x[0], view) * 1.0).MaskedFillInPlace(Nested(c, "mask"), c.Arg<double>("value"));
            case "scatter": return See(x[0], view).Scatter(c.Arg<int>("dim"), Nested(c, "index"), x[1]);
            case "scatter_value": return See(x[0], view).Scatter(c.Arg<int>("dim"), Nested(c, "index"), c.Arg<double>("value"));
            case "scatter_add": return See(x[0], view).Scatter(c.Arg<int>("dim"), Nested(c, "index"), x[1], reduce: "add");
            case "index_fill": return See(x[0], view).IndexFill(c.Arg<int>("dim"), Nested(c, "index"), c.Arg<double>("value"));
            case "take": return See(x[0], view).Take(Nested(c, "index"));
            case "as_strided": return See(x[0], view).AsStrided(c.Arg<int[]>("size"), c.Arg<int[]>("stride"), c.Arg<int>("offset"));
            case "as_strided_scatter": return See(x[0], view).AsStridedScatter(x[1], c.Arg<int[]>("size"), c.Arg<int[]>("stride"), c.Arg<int>("offset"));
            case "nonzero": return See(x[0], view).Nonzero();
            default: throw new InvalidDataException($"{c.Name}: unknown op {c.Op}.");
        }
    }

    private static Tensor See(Tensor x, string? view) => view switch
    {
        null => x,
        "t" => x.T,
        "step" => x[.., TensorIndex.Slice(step: 2)],
        "perm" => x.Permute(2, 0, 1),
        _ => throw new InvalidDataException($"unknown view {view}"),
    };

    private static TensorIndex[] Index(GoldenCase c) =>
        c.Arg<JsonElement>("index").EnumerateArray().Select(ToIndex).ToArray();

    private static TensorIndex ToIndex(JsonElement e)
    {
        if (e.TryGetProperty("int", out var i)) return i.GetInt32();
        if (e.TryGetProperty("slice", out var s))
        {
            int? Bound(int k) => s[k].ValueKind == JsonValueKind.Null ? null : s[k].GetInt32();
            return TensorIndex.Slice(Bound(0), Bound(1), Bound(2) ?? 1);
        }
        if (e.TryGetProperty("ellipsis", out _)) return Tensor.Ellipsis;
        if (e.TryGetProperty("none", out _)) return Tensor.NewAxis;
        if (e.TryGetProperty("tensor", out var t)) return Flat(t);
        return Mask(Flat(e.GetProperty("mask")));
    }

    private static Tensor Flat(JsonElement t)
    {
        var shape = t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        return Tensor.FromArray(t.GetProperty("data").EnumerateArray().Select(v => v.GetInt64()).ToArray()).Reshape(shape);
    }

    /// <summary>A 0/1 int64 tensor as a Bool mask.</summary>
    private static Tensor Mask(Tensor zeroOne) => zeroOne.Ne(0.0);

    /// <summary>A nested JSON list argument as an int64 tensor.</summary>
    private static Tensor Nested(GoldenCase c, string name)
    {
        var e = c.Arg<JsonElement>(name);
        var shape = new List<int>();
        for (var probe = e; probe.ValueKind == JsonValueKind.Array; probe = probe[0]) shape.Add(probe.GetArrayLength());
        var data = new List<long>();
        void Walk(JsonElement x)
        {
            if (x.ValueKind == JsonValueKind.Array) foreach (var y in x.EnumerateArray()) Walk(y);
            else data.Add(x.GetInt64());
        }
        Walk(e);
        return Tensor.FromArray(data.ToArray()).Reshape(shape.ToArray());
    }

    private static Tensor Grid(int rows, int cols) => Tensor.Arange(rows * cols).To(DType.Float64).Reshape(rows, cols);

    [Fact]
    public void BasicIndexingGivesViewsThatShareMemory()
    {
        var x = Grid(4, 5);
        var row = x[1];
        var column = x[.., ^1];
        var stepped = x[TensorIndex.Slice(1, null, 2), 1..4];
        Assert.Equal([5], row.Shape);
        Assert.True(row.IsView && column.IsView && stepped.IsView);
        Assert.Equal([2, 3], stepped.Shape);
        Assert.Equal([10, 1], stepped.Strides);
        using (Autograd.NoGrad()) x.AddInPlace(Tensor.OnesLike(x));
        Assert.Equal([6.0, 7, 8, 9, 10], row.ToArray<double>());
        Assert.Equal([5.0, 10, 15, 20], column.ToArray<double>());
        Assert.Equal([7.0, 8, 9, 17, 18, 19], stepped.ToArray<double>());
    }

    [Fact]
    public void IntegersGiveZeroDimensionalTensorsAndItemAtGivesDoubles()
    {
        var x = Grid(3, 4);
        var element = x[1, 2];
        Assert.Equal(0, element.Rank);
        Assert.Equal(6.0, element.Item());
        Assert.Equal(6.0, x.ItemAt(1, 2));
        Assert.Equal(11.0, x[^1, ^1].Item());
        Assert.Equal(8.0, x[-1, 0].Item());
    }

    [Fact]
    public void EllipsisAndNewAxisPlaceDims()
    {
        var x = Tensor.Zeros(2, 3, 4);
        Assert.Equal([2, 3], x[Tensor.Ellipsis, 0].Shape);
        Assert.Equal([1, 2, 3, 4], x[Tensor.NewAxis].Shape);
        Assert.Equal([2, 3, 4, 1], x[Tensor.Ellipsis, Tensor.NewAxis].Shape);
        Assert.Equal([2, 1, 4], x[.., Tensor.NewAxis, 1].Shape);
        Assert.Equal([2, 3, 4], x[..].Shape);
        Assert.Equal([2, 0, 4], x[.., 3..1].Shape);
    }

    [Fact]
    public void AdvancedIndexingCopiesAndPlacesDimsAsPyTorch()
    {
        var x = Tensor.Arange(60).Reshape(3, 4, 5);
        var adjacent = x[.., Tensor.FromArray(new long[] { 0, 3 }), Tensor.FromArray(new long[] { 1, 4 })];
        var separated = x[Tensor.FromArray(new long[] { 0, 2 }), .., Tensor.FromArray(new long[] { 1, 4 })];
        Assert.Equal([3, 2], adjacent.Shape);
        Assert.Equal([2, 4], separated.Shape);
        using (Autograd.NoGrad()) x.Fill(0);
        Assert.Equal(new long[] { 1, 19, 21, 39, 41, 59 }, adjacent.ToArray<long>());
        Assert.Equal(new long[] { 1, 6, 11, 16, 44, 49, 54, 59 }, separated.ToArray<long>());
    }

    [Fact]
    public void AssignmentWritesInPlaceAndBroadcastsTheValue()
    {
        var x = Tensor.Zeros(3, 4);
        var before = x.Version;
        x[1] = 2.0;
        x[.., 0] = Tensor.FromArray([1f, 2f, 3f]);
        x[Tensor.FromArray(new long[] { 2, 2 }), Tensor.FromArray(new long[] { 3, 1 })] = Tensor.FromArray([7f, 8f]);
        x[0, TensorIndex.Slice(1, null, 2)] = 5;
        Assert.True(x.Version > before);
        Assert.Equal([1f, 5, 0, 5, 2, 2, 2, 2, 3, 8, 0, 7], x.ToArray<float>());
    }

    [Fact]
    public void AssignmentConvertsTheValueToTheTargetDType()
    {
        var x = Tensor.Zeros([2, 2], DType.Int64);
        x[0] = Tensor.FromArray([1.75, -2.5]);
        x[1, 1] = 3.9;
        Assert.Equal(new long[] { 1, -2, 0, 3 }, x.ToArray<long>());
    }

    [Fact]
    public void NumbersMeetTensorsInTheTensorsDType()
    {
        var x = Tensor.FromArray([1f, 2f]);
        Tensor half = 0.5;
        Assert.Equal(DType.Float64, half.DType);
        Assert.Equal(DType.Float32, Tensor.Where(x.Gt(1.0), x, 0).DType);
        Assert.Equal(DType.Float32, (x + half).DType);
        Assert.Equal(DType.Float32, (Tensor.Arange(2) + half).DType);
        Assert.Equal([0f, 2f], Tensor.Where(x.Gt(1.0), x, 0).ToArray<float>());
    }

    [Fact]
    public void RepeatedPositionsAccumulateOnlyWhenAsked()
    {
        var x = Tensor.Zeros(4);
        var index = Tensor.FromArray(new long[] { 1, 1, 3 });
        var values = Tensor.FromArray([1f, 2f, 4f]);
        Assert.Equal([0f, 2, 0, 4], x.IndexPut([index], values).ToArray<float>());
        Assert.Equal([0f, 3, 0, 4], x.IndexPut([index], values, accumulate: true).ToArray<float>());
        x.IndexPutInPlace([index], values, accumulate: true);
        Assert.Equal([0f, 3, 0, 4], x.ToArray<float>());
    }

    [Fact]
    public void NonzeroArgwhereAndTheTupleForm()
    {
        var x = Tensor.FromArray([0.0, 1, 0, 2, 3, 0], 2, 3);
        var nz = x.Nonzero();
        Assert.Equal([3, 2], nz.Shape);
        Assert.Equal(DType.Int64, nz.DType);
        Assert.Equal(new long[] { 0, 1, 1, 0, 1, 1 }, nz.ToArray<long>());
        Assert.Equal(nz.ToArray<long>(), x.Argwhere().ToArray<long>());
        var tuple = x.NonzeroAsTuple();
        Assert.Equal(new long[] { 0, 1, 1 }, tuple[0].ToArray<long>());
        Assert.Equal(new long[] { 1, 0, 1 }, tuple[1].ToArray<long>());
        Assert.Equal([0, 2], Tensor.Zeros(0, 2).Nonzero().Shape);
    }

    [Fact]
    public void ScatterMultiplyHasNoDerivative()
    {
        var x = Tensor.Full([2, 3], 2.0, DType.Float64);
        var index = Tensor.FromArray(new long[] { 0, 0, 2 }, 1, 3);
        var src = Tensor.FromArray([3.0, 5, 7], 1, 3);
        Assert.Equal([30.0, 2, 14, 2, 2, 2], x.Scatter(1, index, src, reduce: "multiply").ToArray<double>());
        Assert.Equal([10.0, 2, 9, 2, 2, 2], x.Scatter(1, index, src, reduce: "add").ToArray<double>());
        var e = Assert.Throws<NotSupportedException>(() => x.SetRequiresGrad().Scatter(1, index, src, reduce: "multiply"));
        Assert.Contains("multiply", e.Message);
        Assert.Throws<ArgumentException>(() => x.Scatter(1, index, src, reduce: "max"));
    }

    [Fact]
    public void MasksMayBeIntegerOrFloatZeroOneTensors()
    {
        var x = Tensor.FromArray([1.0, 2, 3, 4], 2, 2);
        Assert.Equal([2.0, 3], x.MaskedSelect(Tensor.FromArray([0.0, 1, 1, 0], 2, 2)).ToArray<double>());
        Assert.Equal([1.0, 4], x.MaskedSelect(Tensor.FromArray(new long[] { 1, 0, 0, 1 }, 2, 2)).ToArray<double>());
        var y = x.Clone();
        y.MaskedFillInPlace(Tensor.FromArray(new long[] { 1, 0 }), -1);
        Assert.Equal([-1.0, 2, -1, 4], y.ToArray<double>());
    }

    public static TheoryData<string> ErrorCases() => [.. Errors.Keys];

    private static readonly Dictionary<string, (Action Act, Type Exception, string[] Fragments)> Errors = new()
    {
        ["int out of range"] = (() => _ = Tensor.Zeros(3, 4)[.., 4], typeof(IndexOutOfRangeException), ["Indexer", "index 4", "dim 1", "size 4", "[3, 4] float32"]),
        ["negative int out of range"] = (() => _ = Tensor.Zeros(3, 4)[-4], typeof(IndexOutOfRangeException), ["Indexer", "index -4", "dim 0", "size 3"]),
        ["from-end int out of range"] = (() => _ = Tensor.Zeros(3)[^0], typeof(IndexOutOfRangeException), ["Indexer", "^0", "size 3"]),
        ["too many indices"] = (() => _ = Tensor.Zeros(3, 4)[0, 0, 0], typeof(IndexOutOfRangeException), ["Indexer", "too many indices", "dimension 2", "[3, 4] float32"]),
        ["two ellipses"] = (() => _ = Tensor.Zeros(3, 4)[Tensor.Ellipsis, 0, Tensor.Ellipsis], typeof(IndexOutOfRangeException), ["single ellipsis"]),
        ["tensor index out of range"] = (() => _ = Tensor.Zeros(3, 4)[.., Tensor.FromArray(new long[] { 0, 5 })], typeof(IndexOutOfRangeException), ["Indexer", "index 5", "dim 1", "size 4"]),
        ["float index tensor"] = (() => _ = Tensor.Zeros(3, 4)[Tensor.FromArray([0f, 1f])], typeof(IndexOutOfRangeException), ["Indexer", "int64", "[2] float32"]),
        ["index tensors that do not broadcast"] = (() => _ = Tensor.Zeros(3, 4)[Tensor.FromArray(new long[] { 0, 1 }), Tensor.FromArray(new long[] { 0, 1, 2 })], typeof(IndexOutOfRangeException), ["shape mismatch", "[2]", "[3]"]),
        ["zero step"] = (() => TensorIndex.Slice(0, 3, 0), typeof(ArgumentOutOfRangeException), ["step must be greater than zero"]),
        ["value of the wrong shape"] = (() => Tensor.Zeros(3, 4)[.., 1..3] = Tensor.Zeros(3), typeof(ArgumentException), ["CopyFrom", "[3, 2]", "[3]"]),
        ["advanced value of the wrong shape"] = (() => Tensor.Zeros(3, 4)[Tensor.FromArray(new long[] { 0, 1 })] = Tensor.Zeros(3), typeof(ArgumentException), ["Indexer", "value tensor of shape [3] float32", "[2, 4]"]),
        ["index put dtype"] = (() => Tensor.Zeros(3).IndexPut([Tensor.FromArray(new long[] { 0 })], Tensor.Zeros([1], DType.Float64)), typeof(ArgumentException), ["IndexPut", "[1] float64", "[3] float32"]),
        ["index put without tensors"] = (() => Tensor.Zeros(3).IndexPut([null], Tensor.Zeros(3)), typeof(ArgumentException), ["IndexPut", "index tensor"]),
        ["take out of range"] = (() => Tensor.Zeros(2, 2).Take(Tensor.FromArray(new long[] { 4 })), typeof(IndexOutOfRangeException), ["Take", "index 4", "4 elements"]),
        ["scatter index out of range"] = (() => Tensor.Zeros(2, 3).Scatter(1, Tensor.FromArray(new long[] { 3 }, 1, 1), 1.0), typeof(IndexOutOfRangeException), ["Scatter", "index 3", "dim 1", "size 3"]),
        ["scatter source dtype"] = (() => Tensor.Zeros(2, 3).Scatter(1, Tensor.FromArray(new long[] { 0 }, 1, 1), Tensor.Zeros([1, 1], DType.Float64)), typeof(ArgumentException), ["Scatter", "[1, 1] float64", "[2, 3] float32"]),
        ["masked scatter source too small"] = (() => Tensor.Zeros(2, 2).MaskedScatter(Tensor.Ones([2, 2], DType.Int64), Tensor.Zeros(3)), typeof(ArgumentException), ["MaskedScatter", "selects 4", "[3] float32"]),
        ["mask that does not broadcast"] = (() => Tensor.Zeros(2, 2).MaskedScatter(Tensor.Ones([3], DType.Int64), Tensor.Zeros(3)), typeof(ArgumentException), ["MaskedScatter", "[3]", "[2, 2]"]),
        ["as strided past the end"] = (() => Tensor.Zeros(4).AsStrided([3], [2], 0), typeof(ArgumentException), ["AsStrided", "element 4", "[4] float32"]),
        ["index fill index dtype"] = (() => Tensor.Zeros(4).IndexFill(0, Tensor.FromArray([0f]), 1), typeof(ArgumentException), ["IndexFill", "int64", "[1] float32"]),
        ["assignment into an expanded view"] = (() => Tensor.Zeros(3, 1).Expand(3, 4)[Tensor.FromArray(new long[] { 0 })] = 1.0, typeof(InvalidOperationException), ["Indexer", "expanded"]),
    };

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void BadIndicesThrowNamingTheOpAndOperands(string name)
    {
        var (act, type, fragments) = Errors[name];
        var e = Assert.Throws(type, act);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
    }
}
