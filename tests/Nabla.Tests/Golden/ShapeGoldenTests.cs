using Nabla.NN;

namespace Nabla.Tests.Golden;

/// <summary>
/// The shape, linear-algebra and padding ops against PyTorch 1.13: every case of <c>shape_float64.json</c>
/// (<c>make_shape_golden.py</c>), forward value and input gradients, with transposed (non-contiguous) and
/// broadcast inputs among them.
/// </summary>
public sealed class ShapeGoldenTests
{
    private const string File = "shape_float64.json";

    /// <summary>Each fixture op name (the OPS table of make_shape_golden.py) as a Nabla call.</summary>
    private static readonly Dictionary<string, Func<GoldenCase, Tensor[], Tensor>> Ops = new()
    {
        ["flip"] = (c, t) => T(c, t[0]).Flip(c.Arg<int[]>("dims")),
        ["fliplr"] = (c, t) => T(c, t[0]).Fliplr(),
        ["flipud"] = (c, t) => T(c, t[0]).Flipud(),
        ["roll"] = (c, t) => T(c, t[0]).Roll(c.Arg<int[]>("shifts"), c.Arg<int[]?>("dims")),
        ["repeat"] = (c, t) => T(c, t[0]).Repeat(c.Arg<int[]>("repeats")),
        ["tile"] = (c, t) => T(c, t[0]).Tile(c.Arg<int[]>("reps")),
        ["repeat_interleave"] = (c, t) => T(c, t[0]).RepeatInterleave(c.Arg<int>("repeats"), c.Arg<int?>("dim")),
        ["repeat_interleave_tensor"] = (c, t) => T(c, t[0]).RepeatInterleave(t[1], c.Arg<int?>("dim")),
        ["diag"] = (c, t) => T(c, t[0]).Diag(c.Arg<int>("diagonal")),
        ["diagonal"] = (c, t) => T(c, t[0]).Diagonal(c.Arg<int>("offset"), c.Arg<int>("dim1"), c.Arg<int>("dim2")),
        ["diag_embed"] = (c, t) => T(c, t[0]).DiagEmbed(c.Arg<int>("offset"), c.Arg<int>("dim1"), c.Arg<int>("dim2")),
        ["trace"] = (c, t) => T(c, t[0]).Trace(),
        ["outer"] = (c, t) => t[0].Outer(t[1]),
        ["dot"] = (c, t) => t[0].Dot(t[1]),
        ["mv"] = (c, t) => T(c, t[0]).Mv(t[1]),
        ["bmm"] = (c, t) => T(c, t[0]).Bmm(t[1]),
        ["addmm"] = (c, t) => t[0].Addmm(c.Arg<bool>("transposed") ? t[1].T : t[1], t[2], beta: c.Arg<double>("beta"), alpha: c.Arg<double>("alpha")),
        ["baddbmm"] = (c, t) => Tensor.Baddbmm(t[0], t[1], t[2], beta: c.Arg<double>("beta"), alpha: c.Arg<double>("alpha")),
        ["kron"] = (c, t) => T(c, t[0]).Kron(t[1]),
        ["einsum"] = (c, t) => Tensor.Einsum(c.Arg<string>("equation"), [T(c, t[0]), .. t[1..]]),
        ["pad"] = (c, t) => Functional.Pad(T(c, t[0]), c.Arg<int[]>("pad"), c.Arg<string>("mode"), c.Arg<double>("value")),
        ["meshgrid"] = (c, t) => Tensor.Stack(Tensor.Meshgrid(t, c.Arg<string>("indexing"))),
        ["reshape_as"] = (c, t) => T(c, t[0]).ReshapeAs(t[1]),
    };

    private static Tensor T(GoldenCase c, Tensor x) => c.HasArg("transposed") && c.Arg<bool>("transposed") ? x.Transpose(-2, -1) : x;

    /// <summary>(file, case) for every case of the fixture.</summary>
    public static TheoryData<string, string> Cases => GoldenFixture.TheoryCases([File], _ => true);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string file, string name)
    {
        var c = GoldenFixture.Case(file, name);
        Assert.True(Ops.TryGetValue(c.Op, out var op), $"{name}: no Nabla mapping for fixture op '{c.Op}'.");
        c.AssertMatches(inputs => op(c, inputs));
    }

    [Fact]
    public void EveryFixtureOpIsMappedAndEveryMappingUsed()
    {
        var fixtureOps = GoldenFixture.Cases(File).Select(c => c.Op).ToHashSet();
        var unmapped = fixtureOps.Where(op => !Ops.ContainsKey(op)).Order().ToArray();
        Assert.True(unmapped.Length == 0, $"Fixture ops with no Nabla mapping: {string.Join(", ", unmapped)}.");
        var stale = Ops.Keys.Where(op => !fixtureOps.Contains(op)).Order().ToArray();
        Assert.True(stale.Length == 0, $"Mapped ops that no fixture case uses: {string.Join(", ", stale)}.");
    }
}
