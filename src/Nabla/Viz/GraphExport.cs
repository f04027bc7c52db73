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
/// always gives the same text.
/// </remarks>
public static class GraphExport
{
    private static readonly SearchValues<char> DotReserved = SearchValues.Create("\\\"\n\r");
    private static readonly SearchValues<char> MermaidReserved = SearchValues.Create("\"#<>\n\r");

    private enum Kind { Parameter, Constant, Op }

    private sealed record Vertex(int Id, Tensor Tensor, Kind Kind, string[] Lines);

    private sealed record Graph(List<Vertex> Vertices, List<(int From, int To)> Edges);

    /// <summary>
    /// The graph of <paramref name="output"/> in Graphviz DOT, ready for <c>dot -Tsvg</c>.
    /// </summary>
    /// <param name="output">The tensor whose history is drawn (usually the loss).</param>
    /// <param name="names">Labels for tensors, e.g. the model's named parameters, compared by reference.</param>
    /// <param name="showShapes">Add each tensor's shape (and its dtype when not float32) to its label.</param>
    /// <param name="withGradients">After backward, add the L2 norm of each tensor's <see cref="Tensor.Grad"/> to its label.</param>
    public static string ToDot(Tensor output, IReadOnlyDictionary<Tensor, string>? names = null, bool showShapes = true, bool withGradients = false)
    {
        var graph = Build(output, names, showShapes, withGradients);
        var sb = new StringBuilder();
        sb.Append("digraph G {\n");
        sb.Append("  node [fontname=\"Helvetica\", fontsize=11];\n");
        sb.Append("  edge [color=\"#555555\"];\n");
        foreach (var v in graph.Vertices)
        {
            string label = string.Join("\\n", v.Lines.Select(DotEscape));
            string shape = v.Kind == Kind.Op ? "shape=box, style=\"rounded,filled\"" : "shape=ellipse, style=filled";
            var (fill, border) = ReferenceEquals(v.Tensor, output) ? ("#ffd6d6", "#c00000") : v.Kind switch
            {
                Kind.Parameter => ("#cde4ff", "#3a6ea5"),
                Kind.Constant => ("#eeeeee", "#999999"),
                _ => ("#fff2cc", "#b58900"),
            };
            string style = $"{shape}, fillcolor=\"{fill}\", color=\"{border}\"";
            if (ReferenceEquals(v.Tensor, output)) style += ", penwidth=2.5";
            sb.Append("  n").Append(v.Id).Append(" [label=\"").Append(label).Append("\", ").Append(style).Append("];\n");
        }
        foreach (var (from, to) in graph.Edges) sb.Append("  n").Append(from).Append(" -> n").Append(to).Append(";\n");
        sb.Append("}\n");
        return sb.ToString();
    }

    /// <summary>
    /// The graph of <paramref name="output"/> as a Mermaid flowchart (<c>graph TD</c>), which Markdown
    /// viewers such as GitHub render inline.
    /// </summary>
    /// <param name="output">The tensor whose history is drawn (usually the loss).</param>
    /// <param name="names">Labels for tensors, e.g. the model's named parameters, compared by reference.</param>
    /// <param name="showShapes">Add each tensor's shape (and its dtype when not float32) to its label.</param>
    /// <param name="withGradients">After backward, add the L2 norm of each tensor's <see cref="Tensor.Grad"/> to its label.</param>
    public static string ToMermaid(Tensor output, IReadOnlyDictionary<Tensor, string>? names = null, bool showShapes = true, bool withGradients = false)
    {
        var graph = Build(output, names, showShapes, withGradients);
        var sb = new StringBuilder();
        sb.Append("graph TD\n");
        foreach (var v in graph.Vertices)
        {
            string label = string.Join("<br/>", v.Lines.Select(MermaidEscape));
            var (open, close) = v.Kind == Kind.Op ? ("[\"", "\"]") : ("([\"", "\"])");
            string cssClass = ReferenceEquals(v.Tensor, output) ? "output" : v.Kind switch
            {
                Kind.Parameter => "param",
                Kind.Constant => "constant",
                _ => "op",
            };
            sb.Append("  n").Append(v.Id).Append(open).Append(label).Append(close).Append(":::").Append(cssClass).Append('\n');
        }
        foreach (var (from, to) in graph.Edges) sb.Append("  n").Append(from).Append(" --> n").Append(to).Append('\n');
        sb.Append("  classDef param fill:#cde4ff,stroke:#3a6ea5\n");
        sb.Append("  classDef constant fill:#eeeeee,stroke:#999999\n");
        sb.Append("  classDef op fill:#fff2cc,stroke:#b58900\n");
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
    /// <exception cref="InvalidOperationException">Graphviz is not installed or <c>dot</c> failed.</exception>
    public static string ToSvg(Tensor output, IReadOnlyDictionary<Tensor, string>? names = null, bool showShapes = true, bool withGradients = false) =>
        Graphviz.RenderSvg(ToDot(output, names, showShapes, withGradients));

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

    private static Graph Build(Tensor output, IReadOnlyDictionary<Tensor, string>? names, bool showShapes, bool withGradients)
    {
        ArgumentNullException.ThrowIfNull(output);
        var order = PostOrder(output);
        var ids = new Dictionary<Tensor, int>(order.Count, ReferenceEqualityComparer.Instance);
        var vertices = new List<Vertex>(order.Count);
        var edges = new List<(int, int)>();
        foreach (var t in order)
        {
            int id = vertices.Count;
            ids.Add(t, id);
            var kind = t.Node is not null ? Kind.Op : t.RequiresGrad ? Kind.Parameter : Kind.Constant;
            vertices.Add(new Vertex(id, t, kind, Label(t, kind, names, showShapes, withGradients)));
            if (t.Node is { } node)
                foreach (var input in node.Inputs) edges.Add((ids[input], id));
        }
        return new Graph(vertices, edges);
    }

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
        string? name = names is not null && names.TryGetValue(t, out var n) ? n : null;
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
