using System.Text.RegularExpressions;
using System.Xml;
using Nabla.NN;
using Nabla.Viz;

namespace Nabla.Tests.Viz;

public sealed partial class GraphCaptureTests
{
    [GeneratedRegex("""^\s*n(\d+) \[label="((?:[^"\\]|\\.)*)", (.*)\];$""")]
    private static partial Regex DotNode();

    [GeneratedRegex("""^\s*subgraph cluster_\d+ \{$""")]
    private static partial Regex DotClusterOpen();

    [GeneratedRegex("""^\s*label="((?:[^"\\]|\\.)*)";$""")]
    private static partial Regex DotClusterLabel();

    [GeneratedRegex("""^  n(\d+) -> n(\d+)(?: \[(.*)\])?;$""", RegexOptions.Multiline)]
    private static partial Regex DotEdge();

    [GeneratedRegex("""label="((?:[^"\\]|\\.)*)"\]?$""")]
    private static partial Regex EdgeLabel();

    /// <summary>features (Conv2d, ReLU, MaxPool2d) then classifier (Flatten, Linear), on a [5, 1, 8, 8] batch.</summary>
    private static (Sequential Model, Sequential Features, Sequential Classifier, Tensor X) Cnn()
    {
        var g = new Generator(3);
        var features = new Sequential(new Conv2d(1, 4, 3, generator: g), new ReLU(), new MaxPool2d(2));
        var classifier = new Sequential(new Flatten(), new Linear(4 * 3 * 3, 3, generator: g));
        var model = new Sequential(("features", (Module)features), ("classifier", classifier));
        return (model, features, classifier, Tensor.Randn([5, 1, 8, 8], DType.Float32, g));
    }

    private static (Tensor Output, GraphCapture Capture) Capture(Module model, Tensor x, Func<Tensor, Tensor>? loss = null)
    {
        using var capture = GraphCapture.Start(model);
        var y = model.Call(x);
        return (loss is null ? y : loss(y), capture);
    }

    /// <summary>Each vertex of a DOT text: its id, label and the labels of the clusters around it, outermost first.</summary>
    private static List<(int Id, string Label, string[] Clusters)> Vertices(string dot)
    {
        var result = new List<(int, string, string[])>();
        var stack = new List<string?>();
        foreach (var line in dot.Split('\n'))
        {
            if (DotClusterOpen().IsMatch(line))
            {
                stack.Add(null);
            }
            else if (stack.Count > 0 && stack[^1] is null && DotClusterLabel().Match(line) is { Success: true } label)
            {
                stack[^1] = label.Groups[1].Value;
            }
            else if (line.Trim() == "}" && stack.Count > 0)
            {
                stack.RemoveAt(stack.Count - 1);
            }
            else if (DotNode().Match(line) is { Success: true } node)
            {
                result.Add((int.Parse(node.Groups[1].Value), node.Groups[2].Value, stack.Select(s => s!).ToArray()));
            }
        }
        Assert.Empty(stack);
        return result;
    }

    private static (int From, int To, string Attributes)[] Edges(string dot) =>
        DotEdge().Matches(dot).Select(m => (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), m.Groups[3].Value)).ToArray();

    private static string LabelOf(string attributes) => EdgeLabel().Match(attributes).Groups[1].Value;

    private static IEnumerable<Tensor> History(Tensor output)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Tensor>([output]);
        while (stack.Count > 0)
        {
            var t = stack.Pop();
            if (!seen.Add(t)) continue;
            yield return t;
            foreach (var input in t.Node?.Inputs ?? []) stack.Push(input);
        }
    }

    [Fact]
    public void ClustersAreNamedByPathAndReprAndNestedAsTheModules()
    {
        var (model, features, classifier, x) = Cnn();
        var (y, capture) = Capture(model, x);
        string dot = GraphExport.ToDot(y, capture.Names);
        var vertices = Vertices(dot);

        string featuresLabel = "features Sequential", convLabel = $"features.0 {features[0]}";
        Assert.StartsWith("features.0 Conv2d(1, 4, kernel_size=(3, 3)", convLabel);
        var conv = Assert.Single(vertices, v => v.Label.StartsWith("Conv2d\\n", StringComparison.Ordinal));
        Assert.Equal([featuresLabel, convLabel], conv.Clusters);
        var weight = Assert.Single(vertices, v => v.Label.StartsWith("features.0.weight\\n", StringComparison.Ordinal));
        Assert.Equal([featuresLabel, convLabel], weight.Clusters);
        Assert.Equal([featuresLabel, "features.1 ReLU()"], Assert.Single(vertices, v => v.Label.StartsWith("Relu\\n", StringComparison.Ordinal)).Clusters);
        Assert.Equal([featuresLabel, $"features.2 {features[2]}"], Assert.Single(vertices, v => v.Label.StartsWith("MaxPool2d\\n", StringComparison.Ordinal)).Clusters);
        var linearWeight = Assert.Single(vertices, v => v.Label.StartsWith("classifier.1.weight\\n", StringComparison.Ordinal));
        Assert.Equal(["classifier Sequential", $"classifier.1 {classifier[1]}"], linearWeight.Clusters);

        var input = Assert.Single(vertices, v => v.Label.StartsWith("input\\n", StringComparison.Ordinal));
        Assert.Equal("input\\n[5, 1, 8, 8]", input.Label);
        Assert.Empty(input.Clusters);
        Assert.Equal(7, Regex.Count(dot, "subgraph cluster_"));
    }

    [Fact]
    public void CollapsedViewHasOneNodePerLeafModulePlusInputAndOutputWithTheBatchOnTheEdges()
    {
        var (model, features, classifier, x) = Cnn();
        var (y, capture) = Capture(model, x);
        string dot = GraphExport.ToDot(y, capture.Names, view: GraphView.Collapsed);
        var vertices = Vertices(dot);

        string[] expected =
        [
            "input\\n[5, 1, 8, 8]", $"features.0\\n{features[0]}", "features.1\\nReLU()", $"features.2\\n{features[2]}",
            $"classifier.0\\n{classifier[0]}", $"classifier.1\\n{classifier[1]}", "output\\n[5, 3]",
        ];
        Assert.Equal(expected, vertices.OrderBy(v => v.Id).Select(v => v.Label));
        Assert.All(vertices.Where(v => v.Label.StartsWith("features.", StringComparison.Ordinal)), v => Assert.Equal(["features Sequential"], v.Clusters));

        var edges = Edges(dot);
        Assert.Equal(6, edges.Length);
        Assert.Equal(["[5, 1, 8, 8]", "[5, 4, 6, 6]", "[5, 4, 6, 6]", "[5, 4, 3, 3]", "[5, 36]", "[5, 3]"], edges.Select(e => LabelOf(e.Attributes)));
        Assert.All(edges, e => Assert.Equal(e.From + 1, e.To));

        string mermaid = GraphExport.ToMermaid(y, capture.Names, view: GraphView.Collapsed);
        Assert.Contains("  n0([\"input<br/>[5, 1, 8, 8]\"]):::constant\n", mermaid);
        Assert.Contains("  n1 -->|\"[5, 4, 6, 6]\"| n2\n", mermaid);
        Assert.Contains("subgraph cluster_", mermaid);
        Assert.Contains(":::module", mermaid);
    }

    [Fact]
    public void AViewOfTheInputMadeOutsideAutogradCarriesTheInputsName()
    {
        // Flatten reshapes the batch, which needs no gradient, into a new leaf that shares the batch's storage.
        var g = new Generator(4);
        var model = new Sequential(new Flatten(), new Linear(6, 2, generator: g));
        var x = Tensor.Randn([8, 2, 3], DType.Float32, g).Narrow(0, 0, 5);
        var (y, capture) = Capture(model, x);
        foreach (var view in new[] { GraphView.Expanded, GraphView.Collapsed })
        {
            var leaves = Vertices(GraphExport.ToDot(y, capture.Names, view: view)).Select(v => v.Label).Where(l => l.Contains("[5, 6]", StringComparison.Ordinal) && !l.Contains('=', StringComparison.Ordinal));
            Assert.Contains("input\\n[5, 6]", leaves);
            Assert.DoesNotContain(leaves, l => l.StartsWith("constant", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void BackwardDrawsDashedGradientEdgesFromTheLossToEveryParameter()
    {
        var (model, _, _, x) = Cnn();
        var (loss, capture) = Capture(model, x, y => y.Square().Mean());
        string dot = GraphExport.ToDot(loss, capture.Names, backward: true);
        var vertices = Vertices(dot);
        var edges = Edges(dot);
        var forwardEdges = edges.Where(e => e.Attributes.Length == 0).ToArray();
        var forward = forwardEdges.Select(e => (e.From, e.To)).ToHashSet();
        var gradients = edges.Where(e => e.Attributes.Contains("style=dashed", StringComparison.Ordinal)).ToArray();
        Assert.Equal(edges.Length, forwardEdges.Length + gradients.Length);

        foreach (var (name, parameter) in model.NamedParameters())
        {
            var vertex = Assert.Single(vertices, v => v.Label.StartsWith(name + "\\n", StringComparison.Ordinal));
            var into = Assert.Single(gradients, e => e.To == vertex.Id);
            Assert.Equal(ShapeUtil.Format(parameter.ShapeSpan), LabelOf(into.Attributes));
            Assert.Contains((vertex.Id, into.From), forward);
        }
        Assert.All(gradients, e => Assert.Contains((e.To, e.From), forward));
        var input = Assert.Single(vertices, v => v.Label.StartsWith("input\\n", StringComparison.Ordinal));
        Assert.DoesNotContain(gradients, e => e.To == input.Id);

        var labels = vertices.Select(v => v.Label).ToArray();
        Assert.Contains(labels, l => l.StartsWith("Conv2d\\n[5, 4, 6, 6]\\ngrad_fn=Conv2dBackward", StringComparison.Ordinal));
        Assert.DoesNotContain("grad_fn=", GraphExport.ToDot(loss, capture.Names));

        string collapsed = GraphExport.ToDot(loss, capture.Names, view: GraphView.Collapsed, backward: true);
        Assert.Contains(Edges(collapsed), e => e.Attributes.Contains("style=dashed", StringComparison.Ordinal) && LabelOf(e.Attributes) == "[5, 4, 6, 6]");
        Assert.Contains(" -.->|\"[5, 4, 6, 6]\"| n", GraphExport.ToMermaid(loss, capture.Names, backward: true));
    }

    [Fact]
    public void NodesCarryNoModuleOutsideACapture()
    {
        var (model, _, _, x) = Cnn();
        var plain = model.Call(x).Sum();
        Assert.All(History(plain).Where(t => t.Node is not null), t => Assert.Null(t.Node!.Scope));
        Assert.DoesNotContain("subgraph", GraphExport.ToDot(plain, GraphExport.NamesOf(model)));

        Tensor captured;
        Tensor? otherThread = null;
        using (GraphCapture.Start(model))
        {
            captured = model.Call(x);
            var thread = new Thread(() => otherThread = model.Call(x));
            thread.Start();
            thread.Join();
        }
        var after = model.Call(x);
        Assert.All(History(captured).Where(t => t.Node is not null && t.Node.Op is OpKind.Conv2d), t => Assert.Equal("features.0", t.Node!.Scope!.Path));
        Assert.All(History(otherThread!).Where(t => t.Node is not null), t => Assert.Null(t.Node!.Scope));
        Assert.All(History(after).Where(t => t.Node is not null), t => Assert.Null(t.Node!.Scope));
    }

    [Fact]
    public void CapturesMustBeDisposedInOrderOnTheirThread()
    {
        var (model, _, _, _) = Cnn();
        var outer = GraphCapture.Start(model);
        var inner = GraphCapture.Start(model);
        var ex = Assert.Throws<InvalidOperationException>(outer.Dispose);
        Assert.Contains("dispose it first", ex.Message);
        inner.Dispose();
        outer.Dispose();
        Assert.Null(GraphCapture.Active);
    }

    [RequiresDotFact]
    public void ClusteredCollapsedAndBackwardGraphsRenderWithGraphviz()
    {
        var (model, _, _, x) = Cnn();
        var (loss, capture) = Capture(model, x, y => y.Square().Mean());
        foreach (var view in new[] { GraphView.Expanded, GraphView.Collapsed })
        {
            string svg = GraphExport.ToSvg(loss, capture.Names, view: view, backward: true);
            var doc = new XmlDocument();
            using (var reader = XmlReader.Create(new StringReader(svg), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore }))
                doc.Load(reader);
            var ns = new XmlNamespaceManager(doc.NameTable);
            ns.AddNamespace("s", "http://www.w3.org/2000/svg");
            var clusters = doc.SelectNodes("//s:g[@class='cluster']/s:text", ns)!.Cast<XmlNode>().Select(n => n.InnerText).ToArray();
            Assert.Contains("features Sequential", clusters);
            if (view == GraphView.Expanded) Assert.Contains(clusters, c => c.StartsWith("features.0 Conv2d(1, 4", StringComparison.Ordinal));
            Assert.Equal(Edges(GraphExport.ToDot(loss, capture.Names, view: view, backward: true)).Length, doc.SelectNodes("//s:g[@class='edge']", ns)!.Count);
        }
    }
}
