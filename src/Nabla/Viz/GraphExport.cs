using System.Buffers;
using System.Globalization;
using System.Text;

namespace Nabla.Viz;

/// <summary>
/// Draws the computational graph behind a tensor: every tensor is a vertex, every recorded op an
/// edge bundle from its inputs to its output. Leaves (parameters, inputs, constants) are ellipses,
/// op results are boxes labelled with the op and its output shape, and the output is highlighted,
/// so the forward pass reads top to bottom and the backward pass (the chain rule) runs along the
/// same edges bottom to top.
/// </summary>
/// <remarks>
/// The walk is iterative, so graphs of any depth export without recursion. Vertex ids (<c>n0</c>,
/// <c>n1</c>, …) follow a post-order walk from the output visiting inputs in order, so the same graph
/// always gives the same text. A graph recorded under a <see cref="GraphCapture"/> is grouped by module: one
/// cluster per module call, labelled with its path and repr (<c>features.0 Conv2d(1, 32, …)</c>) and nested as the
/// modules are, or, in the <see cref="GraphView.Collapsed"/> view, one node per module with the shapes on the edges.
/// With <c>backward</c>, the gradient edges the autograd engine walks are drawn dashed, from each op back to every
/// input that requires grad, labelled with the gradient's shape.
/// </remarks>
public static class GraphExport
{
    private static readonly SearchValues<char> DotReserved = SearchValues.Create("\\\"\n\r");
    private static readonly SearchValues<char> MermaidReserved = SearchValues.Create("\"#<>\n\r");

    private enum Kind { Parameter, Constant, Op, Module, Output }

    private sealed record Vertex(int Id, Kind Kind, bool IsOutput, string[] Lines, ModuleCall? Cluster);

    private sealed record Edge(int From, int To, string? Label, bool Gradient);

    private sealed record Graph(List<Vertex> Vertices, List<Edge> Edges);

    /// <summary>
    /// The graph of <paramref name="output"/> in Graphviz DOT, ready for <c>dot -Tsvg</c>.
    /// </summary>
    /// <param name="output">The tensor whose history is drawn (usually the loss).</param>
    /// <param name="names">Labels for tensors, e.g. the model's named parameters, compared by reference.</param>
    /// <param name="showShapes">Add each tensor's shape (and its dtype when not float32) to its label.</param>
    /// <param name="withGradients">After backward, add the L2 norm of each tensor's <see cref="Tensor.Grad"/> to its label.</param>
    /// <param name="view">Every primitive (grouped into module clusters when captured), or one node per module.</param>
    /// <param name="backward">Also draw the gradient edges, dashed, from each op back to its inputs that require grad.</param>
    public static string ToDot(Tensor output, IReadOnlyDictionary<Tensor, string>? names = null, bool showShapes = true, bool withGradients = false,
        GraphView view = GraphView.Expanded, bool backward = false)
    {
        var graph = Build(output, names, showShapes, withGradients, view, backward);
        var sb = new StringBuilder();
        sb.Append("digraph G {\n");
        sb.Append("  node [fontname=\"Helvetica\", fontsize=11];\n");
        sb.Append("  edge [color=\"#555555\"];\n");
        EmitClustered(graph, sb, (v, indent) =>
        {
            string label = string.Join("\\n", v.Lines.Select(DotEscape));
            string shape = v.Kind is Kind.Op or Kind.Module ? "shape=box, style=\"rounded,filled\"" : "shape=ellipse, style=filled";
            var (fill, border) = v.IsOutput ? ("#ffd6d6", "#c00000") : v.Kind switch
            {
                Kind.Parameter => ("#cde4ff", "#3a6ea5"),
                Kind.Constant => ("#eeeeee", "#999999"),
                Kind.Module => ("#e2f0d9", "#548235"),
                _ => ("#fff2cc", "#b58900"),
            };
            string style = $"{shape}, fillcolor=\"{fill}\", color=\"{border}\"";
            if (v.IsOutput) style += ", penwidth=2.5";
            sb.Append(indent).Append('n').Append(v.Id).Append(" [label=\"").Append(label).Append("\", ").Append(style).Append("];\n");
        }, (call, indent) =>
        {
            sb.Append(indent).Append("subgraph cluster_").Append(call.Id).Append(" {\n");
            sb.Append(indent).Append("  label=\"").Append(DotEscape(call.Label)).Append("\";\n");
            sb.Append(indent).Append("  style=\"rounded,dashed\"; color=\"#7f7f7f\"; fontname=\"Helvetica\"; fontsize=10; labeljust=l;\n");
        }, indent => sb.Append(indent).Append("}\n"));
        foreach (var e in graph.Edges)
        {
            sb.Append("  n").Append(e.From).Append(" -> n").Append(e.To);
            if (e.Gradient)
                sb.Append(" [style=dashed, color=\"#c00000\", fontcolor=\"#c00000\", constraint=false, label=\"").Append(DotEscape(e.Label!)).Append("\"]");
            else if (e.Label is not null)
                sb.Append(" [label=\"").Append(DotEscape(e.Label)).Append("\"]");
            sb.Append(";\n");
        }
        sb.Append("}\n");
        return sb.ToString();
    }

    /// <summary>
    /// The graph of <paramref name="output"/> as a Mermaid flowchart (<c>graph TD</c>), which Markdown
    /// viewers such as GitHub render inline; module clusters are subgraphs.
    /// </summary>
    /// <param name="output">The tensor whose history is drawn (usually the loss).</param>
    /// <param name="names">Labels for tensors, e.g. the model's named parameters, compared by reference.</param>
    /// <param name="showShapes">Add each tensor's shape (and its dtype when not float32) to its label.</param>
    /// <param name="withGradients">After backward, add the L2 norm of each tensor's <see cref="Tensor.Grad"/> to its label.</param>
    /// <param name="view">Every primitive (grouped into module subgraphs when captured), or one node per module.</param>
    /// <param name="backward">Also draw the gradient edges, dotted, from each op back to its inputs that require grad.</param>
    public static string ToMermaid(Tensor output, IReadOnlyDictionary<Tensor, string>? names = null, bool showShapes = true, bool withGradients = false,
        GraphView view = GraphView.Expanded, bool backward = false)
    {
        var graph = Build(output, names, showShapes, withGradients, view, backward);
        var sb = new StringBuilder();
        sb.Append("graph TD\n");
        EmitClustered(graph, sb, (v, indent) =>
        {
            string label = string.Join("<br/>", v.Lines.Select(MermaidEscape));
            var (open, close) = v.Kind is Kind.Op or Kind.Module ? ("[\"", "\"]") : ("([\"", "\"])");
            string cssClass = v.IsOutput ? "output" : v.Kind switch
            {
                Kind.Parameter => "param",
                Kind.Constant => "constant",
                Kind.Module => "module",
                _ => "op",
            };
            sb.Append(indent).Append('n').Append(v.Id).Append(open).Append(label).Append(close).Append(":::").Append(cssClass).Append('\n');
        }, (call, indent) =>
            sb.Append(indent).Append("subgraph cluster_").Append(call.Id).Append(" [\"").Append(MermaidEscape(call.Label)).Append("\"]\n"),
            indent => sb.Append(indent).Append("end\n"));
        foreach (var e in graph.Edges)
        {
            sb.Append("  n").Append(e.From).Append(e.Gradient ? " -.->" : " -->");
            if (e.Label is not null) sb.Append("|\"").Append(MermaidEscape(e.Label)).Append("\"|");
            sb.Append(" n").Append(e.To).Append('\n');
        }
        sb.Append("  classDef param fill:#cde4ff,stroke:#3a6ea5\n");
        sb.Append("  classDef constant fill:#eeeeee,stroke:#999999\n");
        sb.Append("  classDef op fill:#fff2cc,stroke:#b58900\n");
        if (graph.Vertices.Any(v => v.Kind == Kind.Module)) sb.Append("  classDef module fill:#e2f0d9,stroke:#548235\n");
        sb.Append("  classDef output fill:#ffd6d6,stroke:#c00000,stroke-width:2px\n");
        return sb.ToString();
    }

    /// <summary>
    /// The graph of <paramref name="output"/> rendered to SVG by Graphviz's <c>dot</c>, which must be
    /// on the PATH (<c>apt-get install graphviz</c>); without it, use <see cref="ToDot"/> and render elsewhere.
    /// </summary>
    /// <param name="output">The tensor whose history is drawn (usually the loss).</param>
    /// <param name="names">Labels for tensors, e.g. the model's named parameters, compared by reference.</param>
    /// <param name="showShapes">Add each tensor's shape (and its dtype when not float32) to its label.</param>
    /// <param name="withGradients">After backward, add the L2 norm of each tensor's <see cref="Tensor.Grad"/> to its label.</param>
    /// <param name="view">Every primitive (grouped into module clusters when captured), or one node per module.</param>
    /// <param name="backward">Also draw the gradient edges, dashed, from each op back to its inputs that require grad.</param>
    /// <exception cref="InvalidOperationException">Graphviz is not installed or <c>dot</c> failed.</exception>
    public static string ToSvg(Tensor output, IReadOnlyDictionary<Tensor, string>? names = null, bool showShapes = true, bool withGradients = false,
        GraphView view = GraphView.Expanded, bool backward = false) =>
        Graphviz.RenderSvg(ToDot(output, names, showShapes, withGradients, view, backward));

    /// <summary>
    /// Writes the vertices outside every cluster in id order, then each cluster (in call order) with its vertices and,
    /// nested inside it, the clusters of the calls it made.
    /// </summary>
    private static void EmitClustered(Graph graph, StringBuilder sb, Action<Vertex, string> vertex, Action<ModuleCall, string> open, Action<string> close)
    {
        var members = new Dictionary<ModuleCall, List<Vertex>>(ReferenceEqualityComparer.Instance);
        var children = new Dictionary<ModuleCall, SortedSet<ModuleCall>>(ReferenceEqualityComparer.Instance);
        var roots = new SortedSet<ModuleCall>(Comparer<ModuleCall>.Create((a, b) => a.Id.CompareTo(b.Id)));
        foreach (var v in graph.Vertices)
        {
            if (v.Cluster is null)
            {
                vertex(v, "  ");
                continue;
            }
            if (!members.TryGetValue(v.Cluster, out var list)) members[v.Cluster] = list = [];
            list.Add(v);
            ModuleCall? parent = null;
            foreach (var call in v.Cluster.Chain())
            {
                if (parent is null)
                {
                    roots.Add(call);
                }
                else
                {
                    if (!children.TryGetValue(parent, out var set)) children[parent] = set = new SortedSet<ModuleCall>(roots.Comparer);
                    set.Add(call);
                }
                parent = call;
            }
        }
        var stack = new Stack<(ModuleCall Call, int Depth, bool Closing)>();
        foreach (var call in roots.Reverse()) stack.Push((call, 1, false));
        while (stack.Count > 0)
        {
            var (call, depth, closing) = stack.Pop();
            string indent = new(' ', 2 * depth);
            if (closing)
            {
                close(indent);
                continue;
            }
            open(call, indent);
            foreach (var v in members.GetValueOrDefault(call) ?? []) vertex(v, indent + "  ");
            stack.Push((call, depth, true));
            if (children.TryGetValue(call, out var set))
                foreach (var child in set.Reverse()) stack.Push((child, depth + 1, false));
        }
    }
    /// <summary>
    /// The names to label a model's tensors with: every parameter and buffer of <paramref name="model"/> by its state-dict
    /// name (<c>features.0.weight</c>), for the <c>names</c> argument of <see cref="ToDot"/>, <see cref="ToMermaid"/> and
    /// <see cref="ToSvg"/>.
    /// </summary>
    public static IReadOnlyDictionary<Tensor, string> NamesOf(NN.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var names = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, tensor) in model.NamedParameters().Concat(model.NamedBuffers())) names.TryAdd(tensor, name);
        return names;
    }

    private static Graph Build(Tensor output, IReadOnlyDictionary<Tensor, string>? names, bool showShapes, bool withGradients, GraphView view, bool backward)
    {
        ArgumentNullException.ThrowIfNull(output);
        var order = PostOrder(output);
        var consumers = new Dictionary<Tensor, List<Tensor>>(ReferenceEqualityComparer.Instance);
        foreach (var t in order)
        {
            if (t.Node is not { } node) continue;
            foreach (var input in node.Inputs)
            {
                if (!consumers.TryGetValue(input, out var list)) consumers[input] = list = [];
                list.Add(t);
            }
        }

        // A leaf used only inside one module call and not passed into it (a parameter, a buffer, a constant) belongs to that call.
        ModuleCall? HomeOf(Tensor leaf)
        {
            if (!consumers.TryGetValue(leaf, out var users)) return null;
            var call = CallOf(users[0]);
            if (call is null || users.Any(u => !ReferenceEquals(CallOf(u), call))) return null;
            return call.Inputs.Any(i => ReferenceEquals(i, leaf)) ? null : call;
        }

        // Where a leaf is drawn: inside the innermost enclosing call it was not passed into.
        ModuleCall? PlaceOf(Tensor leaf)
        {
            if (!consumers.TryGetValue(leaf, out var users)) return null;
            var call = CallOf(users[0]);
            if (call is null || users.Any(u => !ReferenceEquals(CallOf(u), call))) return null;
            for (var c = call; c is not null; c = NonRoot(c.Parent))
                if (!c.Inputs.Any(i => ReferenceEquals(i, leaf))) return c;
            return null;
        }

        Kind KindOf(Tensor t) => t.Node is not null ? Kind.Op : t.RequiresGrad ? Kind.Parameter : Kind.Constant;

        var vertices = new List<Vertex>(order.Count);
        var edges = new List<Edge>();
        if (view == GraphView.Expanded)
        {
            var ids = new Dictionary<Tensor, int>(order.Count, ReferenceEqualityComparer.Instance);
            foreach (var t in order)
            {
                int id = vertices.Count;
                ids.Add(t, id);
                var kind = KindOf(t);
                var lines = Label(t, kind, names, showShapes, withGradients);
                if (backward && t.Node is { } op && t.RequiresGrad) lines = [.. lines, "grad_fn=" + op.Op.Name + "Backward"];
                vertices.Add(new Vertex(id, kind, ReferenceEquals(t, output), lines, t.Node is not null ? CallOf(t) : PlaceOf(t)));
                if (t.Node is { } node)
                {
                    foreach (var input in node.Inputs) edges.Add(new Edge(ids[input], id, null, false));
                    foreach (var input in node.Inputs)
                        if (backward && input.RequiresGrad) edges.Add(new Edge(id, ids[input], ShapeUtil.Format(input.ShapeSpan), true));
                }
            }
            return new Graph(vertices, edges);
        }

        var vertexOf = new Dictionary<object, int>(ReferenceEqualityComparer.Instance);
        var seen = new HashSet<(int, int, string, bool)>();
        void Connect(int from, int to, Tensor carried)
        {
            if (from == to) return;
            string shape = ShapeUtil.Format(carried.ShapeSpan);
            if (seen.Add((from, to, shape, false))) edges.Add(new Edge(from, to, shape, false));
            if (backward && carried.RequiresGrad && seen.Add((to, from, shape, true))) edges.Add(new Edge(to, from, shape, true));
        }

        int VertexOf(Tensor t)
        {
            object key = (t.Node is not null ? CallOf(t) : HomeOf(t)) ?? (object)t;
            if (vertexOf.TryGetValue(key, out int id)) return id;
            id = vertices.Count;
            vertexOf[key] = id;
            if (key is ModuleCall call)
            {
                string[] lines = call.Path is { Length: > 0 } path ? [path, call.Repr] : [call.Repr];
                vertices.Add(new Vertex(id, Kind.Module, false, lines, NonRoot(call.Parent)));
            }
            else
            {
                var kind = KindOf(t);
                vertices.Add(new Vertex(id, kind, ReferenceEquals(t, output), Label(t, kind, names, showShapes, withGradients), t.Node is not null ? null : PlaceOf(t)));
            }
            return id;
        }

        foreach (var t in order)
        {
            int id = VertexOf(t);
            if (t.Node is { } node)
                foreach (var input in node.Inputs) Connect(VertexOf(input), id, input);
        }
        int last = VertexOf(output);
        if (vertices[last].Kind == Kind.Module)
        {
            string outName = names is not null && names.TryGetValue(output, out var n) ? n : "output";
            var outLines = showShapes ? new[] { outName, ShapeUtil.Format(output.ShapeSpan) } : [outName];
            vertices.Add(new Vertex(vertices.Count, Kind.Output, true, outLines, null));
            Connect(last, vertices.Count - 1, output);
        }
        return new Graph(vertices, edges);
    }

    /// <summary>The module call that recorded the op of <paramref name="t"/>, or null (outside modules, or directly in the captured model).</summary>
    private static ModuleCall? CallOf(Tensor t) => NonRoot(t.Node?.Scope);

    private static ModuleCall? NonRoot(ModuleCall? call) => call is { IsRoot: true } ? null : call;

    /// <summary>Every tensor reachable from <paramref name="output"/>, inputs before the ops that use them.</summary>
    private static List<Tensor> PostOrder(Tensor output)
    {
        var order = new List<Tensor>();
        var done = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor Tensor, int NextInput)>();
        stack.Push((output, 0));
        while (stack.Count > 0)
        {
            var (t, next) = stack.Pop();
            if (next == 0 && done.Contains(t)) continue;
            var inputs = t.Node?.Inputs ?? [];
            while (next < inputs.Length && done.Contains(inputs[next])) next++;
            if (next < inputs.Length)
            {
                stack.Push((t, next + 1));
                stack.Push((inputs[next], 0));
                continue;
            }
            done.Add(t);
            order.Add(t);
        }
        return order;
    }

    private static string[] Label(Tensor t, Kind kind, IReadOnlyDictionary<Tensor, string>? names, bool showShapes, bool withGradients)
    {
        var lines = new List<string>(3);
        string? name = NameOf(t, names);
        if (t.Node is { } node)
        {
            string op = node.Op.Name;
            string? args = Describe(node.Op);
            if (args is not null) op += " " + args;
            lines.Add(name is null ? op : $"{name} = {op}");
        }
        else if (name is not null)
        {
            lines.Add(name);
        }
        else if (kind == Kind.Constant && t.Numel == 1)
        {
            lines.Add(t.Item().ToString("G6", CultureInfo.InvariantCulture));
        }
        else
        {
            lines.Add(kind == Kind.Parameter ? "leaf" : "constant");
        }

        if (showShapes)
            lines.Add(t.DType == DType.Float32 ? ShapeUtil.Format(t.ShapeSpan) : ShapeUtil.Describe(t));
        if (withGradients && t.Grad is { } grad)
            lines.Add("grad norm " + Norm(grad).ToString("G4", CultureInfo.InvariantCulture));
        return [.. lines];
    }

    /// <summary>
    /// The name given to <paramref name="t"/>, or, for a view made outside autograd (the batch flattened by
    /// <c>Flatten</c>, the target unsqueezed by a loss), which is drawn as a leaf of its own, the name of a named tensor
    /// it shares its storage with.
    /// </summary>
    private static string? NameOf(Tensor t, IReadOnlyDictionary<Tensor, string>? names)
    {
        if (names is null) return null;
        if (names.TryGetValue(t, out var name)) return name;
        if (t.Node is not null || t.ViewBase is not { } root) return null;
        foreach (var (named, label) in names)
        {
            if (ReferenceEquals(named.ViewBase ?? named, root)) return label;
        }
        return null;
    }

    private static double Norm(Tensor grad)
    {
        double sum = 0;
        foreach (double v in grad.ToDoubleArray()) sum += v * v;
        return Math.Sqrt(sum);
    }

    private static string? Describe(OpKind op) => op switch
    {
        OpKind.Sum r => $"dims={ShapeUtil.Format(r.Dims)}",
        OpKind.Max r => $"dims={ShapeUtil.Format(r.Dims)}",
        OpKind.Min r => $"dims={ShapeUtil.Format(r.Dims)}",
        OpKind.Softmax d => $"dim={d.Dim}",
        OpKind.LogSoftmax d => $"dim={d.Dim}",
        OpKind.Cat d => $"dim={d.Dim}",
        OpKind.IndexSelect d => $"dim={d.Dim}",
        OpKind.IndexAdd d => $"dim={d.Dim}",
        OpKind.Gather d => $"dim={d.Dim}",
        OpKind.ScatterAdd d => $"dim={d.Dim}",
        OpKind.Permute p => $"dims={ShapeUtil.Format(p.Dims)}",
        OpKind.Narrow r => $"dim={r.Dim} [{r.Start}:{r.Start + r.Length}]",
        OpKind.Pad p => $"dim={p.Dim} ({p.Before}, {p.After})",
        _ => null,
    };

    /// <summary>Text for a quoted DOT label: backslash and quote escaped, newlines as DOT's \n, returns dropped.</summary>
    private static string DotEscape(string text) => TextEscape.Replace(text, DotReserved, c => c switch
    {
        '\\' => "\\\\",
        '"' => "\\\"",
        '\n' => "\\n",
        _ => "",
    });

    /// <summary>Text for a quoted Mermaid label: quote, hash and angle brackets as Mermaid's entity codes, newlines as breaks.</summary>
    private static string MermaidEscape(string text) => TextEscape.Replace(text, MermaidReserved, c => c switch
    {
        '"' => "#quot;",
        '#' => "#35;",
        '<' => "#lt;",
        '>' => "#gt;",
        '\n' => "<br/>",
        _ => "",
    });
}

/// <summary>How <see cref="GraphExport"/> draws a graph recorded under a <see cref="GraphCapture"/>.</summary>
public enum GraphView
{
    /// <summary>Every primitive op, grouped into one nested cluster per module call.</summary>
    Expanded,

    /// <summary>One node per module call (its ops, parameters and buffers folded in), with the tensors' shapes on the edges.</summary>
    Collapsed,
}
