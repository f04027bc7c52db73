using System.Text.RegularExpressions;
using System.Xml;
using Nabla.Viz;

namespace Nabla.Tests.Viz;

public sealed partial class GraphExportTests
{
    [GeneratedRegex("""^  n(\d+) \[label="((?:[^"\\]|\\.)*)", (.*)\];$""", RegexOptions.Multiline)]
    private static partial Regex DotNode();

    [GeneratedRegex(@"^  n(\d+) -> n(\d+);$", RegexOptions.Multiline)]
    private static partial Regex DotEdge();

    [GeneratedRegex("""^  n(\d+)(\(\[|\[)"(.*)"(\]\)|\]):::(\w+)$""", RegexOptions.Multiline)]
    private static partial Regex MermaidNode();

    [GeneratedRegex(@"^  n(\d+) --> n(\d+)$", RegexOptions.Multiline)]
    private static partial Regex MermaidEdge();

    /// <summary>y = tanh(x·w + b) with x a [2, 3] input, w a [3, 4] weight and b a [4] bias.</summary>
    private static (Tensor Y, Tensor X, Tensor W, Tensor B) Neuron()
    {
        var g = new Generator(5);
        var x = Tensor.Randn([2, 3], DType.Float32, g);
        var w = Tensor.Randn([3, 4], DType.Float32, g, requiresGrad: true);
        var b = Tensor.Randn([4], DType.Float32, g, requiresGrad: true);
        return ((x.MatMul(w) + b).Tanh(), x, w, b);
    }

    private static (string Label, string Style)[] Nodes(string dot) =>
        DotNode().Matches(dot).Select((m, i) =>
        {
            Assert.Equal(i.ToString(), m.Groups[1].Value);
            return (m.Groups[2].Value, m.Groups[3].Value);
        }).ToArray();

    private static (int, int)[] Edges(string dot) =>
        DotEdge().Matches(dot).Select(m => (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value))).ToArray();

    [Fact]
    public void DotOfANeuronHasExactlyItsTensorsAndDataFlow()
    {
        var (y, _, w, b) = Neuron();
        string dot = GraphExport.ToDot(y, new Dictionary<Tensor, string> { [w] = "w", [b] = "b" });

        Assert.StartsWith("digraph G {\n", dot);
        Assert.EndsWith("}\n", dot);
        var nodes = Nodes(dot);
        Assert.Equal(["constant\\n[2, 3]", "w\\n[3, 4]", "MatMul\\n[2, 4]", "b\\n[4]", "Add\\n[2, 4]", "Tanh\\n[2, 4]"], nodes.Select(n => n.Label));
        Assert.StartsWith("shape=ellipse", nodes[0].Style);
        Assert.Contains("#eeeeee", nodes[0].Style);
        Assert.All(new[] { nodes[1], nodes[3] }, n => Assert.Contains("shape=ellipse, style=filled, fillcolor=\"#cde4ff\"", n.Style));
        Assert.All(new[] { nodes[2], nodes[4], nodes[5] }, n => Assert.StartsWith("shape=box", n.Style));
        Assert.Equal(1, nodes.Count(n => n.Style.Contains("penwidth")));
        Assert.Equal("shape=box, style=\"rounded,filled\", fillcolor=\"#ffd6d6\", color=\"#c00000\", penwidth=2.5", nodes[5].Style);
        Assert.Equal([(0, 2), (1, 2), (2, 4), (3, 4), (4, 5)], Edges(dot));
        int lines = dot.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        Assert.Equal(4 + 6 + 5, lines);
    }

    [Fact]
    public void LabelsShowArgumentsDTypesNamedIntermediatesAndScalarConstants()
    {
        var x = Tensor.Randn([3, 4], DType.Float64, new Generator(1), requiresGrad: true);
        var h = (x * 2.0).Sum(1);
        var loss = h.Narrow(0, 1, 2).Mean();
        string dot = GraphExport.ToDot(loss, new Dictionary<Tensor, string> { [h] = "h" });
        var labels = Nodes(dot).Select(n => n.Label).ToArray();

        Assert.Equal("leaf\\n[3, 4] float64", labels[0]);
        Assert.Equal("2\\n[] float64", labels[1]);
        // Sum without keepDim is recorded as a keepDim Sum followed by a Reshape, which is the tensor named h.
        Assert.Contains("Sum dims=[1]\\n[3, 1] float64", labels);
        Assert.Contains("h = Reshape\\n[3] float64", labels);
        Assert.Contains(labels, l => l.StartsWith("Narrow dim=0 [1:3]"));

        string bare = GraphExport.ToDot(loss, showShapes: false);
        Assert.DoesNotContain("[3, 4]", bare);
        Assert.Equal("leaf", Nodes(bare)[0].Label);
    }

    [Fact]
    public void ALeafAloneIsOneHighlightedNode()
    {
        var w = Tensor.Ones([2], DType.Float32, requiresGrad: true);
        string dot = GraphExport.ToDot(w, new Dictionary<Tensor, string> { [w] = "w" });
        var nodes = Nodes(dot);
        Assert.Single(nodes);
        Assert.Equal("w\\n[2]", nodes[0].Label);
        Assert.Contains("penwidth", nodes[0].Style);
        Assert.Empty(Edges(dot));
    }

    [Fact]
    public void AReusedTensorIsOneNodeWithOneEdgePerUse()
    {
        var x = Tensor.FromArray([1.0, 2.0], 2).SetRequiresGrad();
        var y = x * x + x;
        string dot = GraphExport.ToDot(y);
        Assert.Equal(3, Nodes(dot).Length);
        Assert.Equal([(0, 1), (0, 1), (1, 2), (0, 2)], Edges(dot));
    }

    [Fact]
    public void NamesAreEscaped()
    {
        var w = Tensor.Ones([1], DType.Float32, requiresGrad: true);
        var y = w.Exp();
        var names = new Dictionary<Tensor, string> { [w] = "say \"hi\" \\ <#>\nnext" };

        string dot = GraphExport.ToDot(y, names);
        Assert.Contains("[label=\"say \\\"hi\\\" \\\\ <#>\\nnext\\n[1]\"", dot);

        string mermaid = GraphExport.ToMermaid(y, names);
        Assert.Contains("n0([\"say #quot;hi#quot; \\ #lt;#35;#gt;<br/>next<br/>[1]\"]):::param", mermaid);
    }

    [Fact]
    public void GradientNormsAnnotateTheLeavesAfterBackward()
    {
        var w = Tensor.FromArray([1f, -2f], 2).SetRequiresGrad();
        var loss = (w * 3.0).Sum();
        var names = new Dictionary<Tensor, string> { [w] = "w" };
        Assert.DoesNotContain("grad norm", GraphExport.ToDot(loss, names, withGradients: true));

        loss.Backward();
        string dot = GraphExport.ToDot(loss, names, withGradients: true);
        // d(sum 3w)/dw = [3, 3], whose norm is sqrt(18).
        Assert.Contains("w\\n[2]\\ngrad norm 4.243", dot);
        Assert.Single(Regex.Matches(dot, "grad norm"));
        Assert.DoesNotContain("grad norm", GraphExport.ToDot(loss, names));
        Assert.Contains("w<br/>[2]<br/>grad norm 4.243", GraphExport.ToMermaid(loss, names, withGradients: true));
    }

    [Fact]
    public void MermaidOfANeuronMirrorsTheDot()
    {
        var (y, _, w, b) = Neuron();
        string mermaid = GraphExport.ToMermaid(y, new Dictionary<Tensor, string> { [w] = "w", [b] = "b" });

        Assert.StartsWith("graph TD\n", mermaid);
        var nodes = MermaidNode().Matches(mermaid).Select(m => (Id: m.Groups[1].Value, Open: m.Groups[2].Value, Label: m.Groups[3].Value, Class: m.Groups[5].Value)).ToArray();
        Assert.Equal(["0", "1", "2", "3", "4", "5"], nodes.Select(n => n.Id));
        Assert.Equal(["constant<br/>[2, 3]", "w<br/>[3, 4]", "MatMul<br/>[2, 4]", "b<br/>[4]", "Add<br/>[2, 4]", "Tanh<br/>[2, 4]"], nodes.Select(n => n.Label));
        Assert.Equal(["constant", "param", "op", "param", "op", "output"], nodes.Select(n => n.Class));
        Assert.Equal(["([", "([", "[", "([", "[", "["], nodes.Select(n => n.Open));
        var edges = MermaidEdge().Matches(mermaid).Select(m => (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value)));
        Assert.Equal([(0, 2), (1, 2), (2, 4), (3, 4), (4, 5)], edges);
        foreach (var cls in new[] { "param", "constant", "op", "output" }) Assert.Contains($"  classDef {cls} ", mermaid);
    }

    [Fact]
    public void ExportIsDeterministic()
    {
        var (y1, _, w1, b1) = Neuron();
        var (y2, _, w2, b2) = Neuron();
        Assert.Equal(
            GraphExport.ToDot(y1, new Dictionary<Tensor, string> { [w1] = "w", [b1] = "b" }),
            GraphExport.ToDot(y2, new Dictionary<Tensor, string> { [b2] = "b", [w2] = "w" }));
        Assert.Equal(GraphExport.ToMermaid(y1), GraphExport.ToMermaid(y2));
        Assert.Equal(GraphExport.ToDot(y1), GraphExport.ToDot(y1));
    }

    [Fact]
    public void ATenThousandOpChainExportsOnASmallStack()
    {
        string? dot = null, mermaid = null;
        Exception? error = null;
        // A recursive walk would need thousands of frames; 256 KiB leaves room for a few hundred.
        var thread = new Thread(() =>
        {
            try
            {
                var x = Tensor.Ones([2], DType.Float32, requiresGrad: true);
                var y = x;
                for (int i = 0; i < 10_000; i++) y = y.Neg();
                dot = GraphExport.ToDot(y);
                mermaid = GraphExport.ToMermaid(y);
            }
            catch (Exception ex)
            {
                error = ex;
            }
        }, maxStackSize: 256 * 1024);
        thread.Start();
        thread.Join();

        Assert.Null(error);
        Assert.Equal(10_001, Nodes(dot!).Length);
        var edges = Edges(dot!);
        Assert.Equal(10_000, edges.Length);
        Assert.All(edges, e => Assert.Equal(e.Item1 + 1, e.Item2));
        Assert.Contains("  n10000[\"Neg<br/>[2]\"]:::output", mermaid);
    }

    [RequiresDotFact]
    public void RendersToSvgWithGraphviz()
    {
        var (y, _, w, b) = Neuron();
        var names = new Dictionary<Tensor, string> { [w] = "w \"weight\"", [b] = "b & bias" };
        string svg = GraphExport.ToSvg(y, names);

        var doc = new XmlDocument();
        using (var reader = XmlReader.Create(new StringReader(svg), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore }))
            doc.Load(reader);
        var ns = new XmlNamespaceManager(doc.NameTable);
        ns.AddNamespace("s", "http://www.w3.org/2000/svg");
        var titles = doc.SelectNodes("//s:g[@class='node']/s:title", ns)!.Cast<XmlNode>().Select(n => n.InnerText).ToArray();
        Assert.Equal(["n0", "n1", "n2", "n3", "n4", "n5"], titles.Order());
        Assert.Equal(5, doc.SelectNodes("//s:g[@class='edge']", ns)!.Count);
        var texts = doc.SelectNodes("//s:text", ns)!.Cast<XmlNode>().Select(n => n.InnerText).ToArray();
        Assert.Contains("MatMul", texts);
        Assert.Contains("w \"weight\"", texts);
        Assert.Contains("b & bias", texts);
    }

    [Fact]
    public void WithoutGraphvizToSvgExplainsWhatToDo()
    {
        Assert.Null(Graphviz.FindDot(""));
        Assert.Null(Graphviz.FindDot(Path.GetTempPath()));
        var ex = Assert.Throws<InvalidOperationException>(() => Graphviz.RenderSvg("digraph G { a -> b; }", dotPath: null));
        Assert.Contains("apt-get install graphviz", ex.Message);
        Assert.Contains("GraphExport.ToDot", ex.Message);
    }

    [RequiresDotFact]
    public void DotFailuresAreReported()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Graphviz.RenderSvg("digraph G { a -> ; }"));
        Assert.Contains("failed with exit code", ex.Message);
    }

    [Fact]
    public void AModelsParametersAreLabelledByTheirStateDictNames()
    {
        var model = new Nabla.NN.Sequential(new Nabla.NN.Linear(3, 2), new Nabla.NN.ReLU(), new Nabla.NN.Linear(2, 1));
        var loss = model.Forward(Tensor.Ones(4, 3)).Sum();
        string dot = GraphExport.ToDot(loss, GraphExport.NamesOf(model));
        foreach (var name in new[] { "0.weight", "0.bias", "2.weight", "2.bias" }) Assert.Contains($"label=\"{name}\\n", dot);
        Assert.DoesNotContain("leaf", dot);
    }
}

/// <summary>A fact that is skipped, with the reason, when Graphviz's <c>dot</c> is not on the PATH.</summary>
internal sealed class RequiresDotFactAttribute : FactAttribute
{
    public RequiresDotFactAttribute()
    {
        if (Graphviz.FindDot() is null) Skip = "Graphviz 'dot' is not on the PATH (apt-get install graphviz).";
    }
}
