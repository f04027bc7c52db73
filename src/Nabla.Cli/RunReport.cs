using System.Globalization;
using System.Net;
using System.Text;
using Nabla.Training;
using Nabla.Viz;

namespace Nabla.Cli;

/// <summary>
/// The pictures and the page of a run directory: <c>curves.svg</c> (loss and accuracy per epoch, train beside test),
/// <c>confusion.svg</c> (the test confusion matrix as a heat map) and <c>report.html</c>, one self-contained page
/// (no scripts, no external styles, fonts or files; the SVGs are inlined and the images are data URLs) with the
/// settings, the final metrics, both pictures, the per-class precision, recall and F1, the model's graph and a sample
/// of the misclassified test images.
/// </summary>
internal static class RunReport
{
    /// <summary>The most classes a confusion matrix is drawn for; a wider one would be unreadable, and large.</summary>
    public const int MaxConfusionClasses = 100;

    /// <summary>The most misclassified test images the page shows.</summary>
    public const int MaxMisclassified = 32;

    private const int PanelWidth = 480, PanelHeight = 360;

    /// <summary>How many times larger than its pixels a misclassified image is drawn.</summary>
    private const int ImageZoom = 3;

    /// <summary>
    /// Two panels, loss and accuracy, each with a train and a test curve over the epochs and a dot at every epoch (so
    /// a one-epoch run shows its values). The dots are the circles of the groups <c>loss-train</c>, <c>loss-test</c>,
    /// <c>accuracy-train</c> and <c>accuracy-test</c>.
    /// </summary>
    public static string Curves(History history)
    {
        double xStart = history.Count == 0 ? 1 : history[0].Epoch;
        var svg = new Svg(2 * PanelWidth, PanelHeight);
        Plot.DrawLineChart(svg, 0, 0, PanelWidth, PanelHeight, [("train", history.Values("train_loss")), ("test", history.Values("test_loss"))],
            "loss", "epoch", "loss", logY: false, xStart, markerGroup: "loss");
        Plot.DrawLineChart(svg, PanelWidth, 0, PanelWidth, PanelHeight, [("train", history.Values("train_accuracy")), ("test", history.Values("test_accuracy"))],
            "accuracy", "epoch", "accuracy", logY: false, xStart, markerGroup: "accuracy");
        return svg.ToString();
    }

    /// <summary>
    /// The confusion matrix (rows: true class, columns: predicted class) as a heat map: each cell shaded by its share
    /// of its row (the class's recall on the diagonal) and labelled with its count. The cells are the rectangles of
    /// the group <c>cells</c>, row by row.
    /// </summary>
    public static string Confusion(long[,] confusion, IReadOnlyList<string> classNames)
    {
        int n = confusion.GetLength(0);
        var names = Enumerable.Range(0, n).Select(k => Shorten(k < classNames.Count ? classNames[k] : k.ToString(CultureInfo.InvariantCulture))).ToArray();
        double cell = Math.Clamp(400.0 / n, 14, 56);
        double longest = names.Max(s => s.Length) * 6.5;
        double left = 40 + longest + 8, top = 48 + longest * 0.75 + 8;
        double width = left + n * cell + 24, height = top + n * cell + 40;
        var svg = new Svg(Math.Max(width, 240), height);
        svg.Rect(0, 0, svg.Width, svg.Height, fill: "#ffffff");
        svg.Text(left + n * cell / 2, 22, "confusion matrix (test)", fontSize: 15, anchor: "middle", bold: true);
        svg.Text(left + n * cell / 2, 40, "predicted class", fontSize: 12, anchor: "middle");
        svg.Text(16, top + n * cell / 2, "true class", fontSize: 12, anchor: "middle", rotate: -90);
        double fontSize = Math.Min(12, cell * 0.38);
        for (int k = 0; k < n; k++)
        {
            svg.Text(left - 6, top + (k + 0.5) * cell + fontSize / 3, names[k], fontSize: Math.Min(12, cell * 0.6), anchor: "end");
            double x = left + (k + 0.5) * cell, y = top - 6;
            svg.Text(x, y, names[k], fontSize: Math.Min(12, cell * 0.6), anchor: "start", rotate: -45);
        }

        svg.Group("cells");
        for (int t = 0; t < n; t++)
        {
            long row = 0;
            for (int p = 0; p < n; p++) row += confusion[t, p];
            for (int p = 0; p < n; p++)
                svg.Rect(left + p * cell, top + t * cell, cell, cell, fill: Shade(row == 0 ? 0 : (double)confusion[t, p] / row), stroke: "#ffffff", strokeWidth: 0.5);
        }
        svg.EndGroup();
        svg.Group("counts");
        for (int t = 0; t < n; t++)
        {
            long row = 0;
            for (int p = 0; p < n; p++) row += confusion[t, p];
            for (int p = 0; p < n; p++)
            {
                double share = row == 0 ? 0 : (double)confusion[t, p] / row;
                svg.Text(left + (p + 0.5) * cell, top + (t + 0.5) * cell + fontSize / 3, confusion[t, p].ToString(CultureInfo.InvariantCulture),
                    fontSize: fontSize, anchor: "middle", fill: share > 0.5 ? "#ffffff" : "#000000");
            }
        }
        svg.EndGroup();
        svg.Rect(left, top, n * cell, n * cell, stroke: "#333333");
        return svg.ToString();
    }

    /// <summary>
    /// The page: the settings, the final metrics, the curves, the confusion matrix and the per-class report, the graph
    /// (<paramref name="graphSvg"/>, one box per module; without Graphviz a line says how to draw <c>graph.dot</c>) and the
    /// misclassified test images, each part when given. Everything is escaped, and the SVGs lose their XML declaration and namespace, which HTML does
    /// not need, so the page refers to nothing outside itself.
    /// </summary>
    public static string Html(RunConfig config, IReadOnlyList<(string Name, string Value)> finalMetrics, string curvesSvg, string? confusionSvg,
        long[,]? confusion, IReadOnlyList<string> classNames, string? graphSvg = null, IReadOnlyList<Misclassified>? misclassified = null)
    {
        var html = new StringBuilder();
        string title = $"nabla train: {config.Model} on {config.Data}";
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(Encode(title)).Append("</title>\n")
            .Append("<style>\nbody { font-family: Helvetica, Arial, sans-serif; margin: 24px; color: #222222; }\n")
            .Append("table { border-collapse: collapse; margin: 8px 0 24px; }\nth, td { border: 1px solid #cccccc; padding: 3px 10px; text-align: left; }\n")
            .Append("td.n { text-align: right; font-variant-numeric: tabular-nums; }\nth { background: #f2f2f2; }\n")
            .Append("figure { display: inline-block; margin: 0 10px 12px 0; text-align: center; font-size: 12px; }\n")
            .Append("figure img { image-rendering: pixelated; border: 1px solid #cccccc; }\n</style>\n</head>\n<body>\n")
            .Append("<h1>").Append(Encode(title)).Append("</h1>\n");

        html.Append("<h2>Settings</h2>\n<table>\n");
        foreach (var (key, value) in config.Rows()) html.Append("<tr><th>").Append(Encode(key)).Append("</th><td>").Append(Encode(value)).Append("</td></tr>\n");
        html.Append("</table>\n");

        html.Append("<h2>Final metrics</h2>\n<table>\n");
        foreach (var (name, value) in finalMetrics) html.Append("<tr><th>").Append(Encode(name)).Append("</th><td class=\"n\">").Append(Encode(value)).Append("</td></tr>\n");
        html.Append("</table>\n");

        html.Append("<h2>Training curves</h2>\n").Append(Inline(curvesSvg));
        if (confusionSvg is not null) html.Append("<h2>Confusion matrix</h2>\n").Append(Inline(confusionSvg));
        if (confusion is not null)
        {
            var rows = Metrics.PerClass(confusion);
            html.Append("<h2>Per-class precision, recall and F1 (test)</h2>\n<table>\n<tr><th>class</th><th>precision</th><th>recall</th><th>f1</th><th>support</th></tr>\n");
            foreach (var r in rows)
                AppendClassRow(html, ClassName(classNames, r.Class), r.Precision, r.Recall, r.F1, r.Support);
            AppendClassRow(html, "macro avg", rows.Average(r => r.Precision), rows.Average(r => r.Recall), rows.Average(r => r.F1), rows.Sum(r => r.Support));
            html.Append("</table>\n");
        }
        html.Append("<h2>Graph of one training step</h2>\n");
        if (graphSvg is not null)
        {
            html.Append(Inline(graphSvg));
        }
        else
        {
            html.Append("<p>Graphviz's <code>dot</code> was not found, so the graph is only in <code>graph.dot</code> beside this page: ")
                .Append("<code>dot -Tsvg graph.dot -o graph.svg</code> draws it.</p>\n");
        }
        if (misclassified is { Count: > 0 })
        {
            html.Append(CultureInfo.InvariantCulture, $"<h2>Misclassified test images (the first {misclassified.Count})</h2>\n<div>\n");
            foreach (var m in misclassified)
            {
                html.Append("<figure><img alt=\"test example ").Append(m.Index.ToString(CultureInfo.InvariantCulture)).Append("\" width=\"")
                    .Append((m.Width * ImageZoom).ToString(CultureInfo.InvariantCulture)).Append("\" height=\"").Append((m.Height * ImageZoom).ToString(CultureInfo.InvariantCulture))
                    .Append("\" src=\"data:image/png;base64,").Append(m.PngBase64()).Append("\"><figcaption>#").Append(m.Index.ToString(CultureInfo.InvariantCulture))
                    .Append("<br>true ").Append(Encode(ClassName(classNames, m.TrueClass))).Append("<br>predicted ").Append(Encode(ClassName(classNames, m.PredictedClass)))
                    .Append("</figcaption></figure>\n");
            }
            html.Append("</div>\n");
        }
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>
    /// The first <see cref="MaxMisclassified"/> test examples whose predicted class is not their true class, of a
    /// batch of (N, C, H, W) or (N, H·W) images of <paramref name="height"/> × <paramref name="width"/> pixels (the first
    /// channel is shown), with the predictions and targets an evaluation kept.
    /// </summary>
    public static List<Misclassified> FindMisclassified(Tensor images, Tensor predicted, Tensor targets, int height, int width)
    {
        var found = new List<Misclassified>();
        var p = predicted.To(DType.Int64).Contiguous().ToArray<long>();
        var t = targets.To(DType.Int64).Contiguous().ToArray<long>();
        for (int i = 0; i < p.Length && found.Count < MaxMisclassified; i++)
        {
            if (p[i] == t[i]) continue;
            var pixels = images[i].Reshape(-1).Narrow(0, 0, height * width).To(DType.Float64).Contiguous().ToArray<double>();
            found.Add(new Misclassified(i, (int)t[i], (int)p[i], pixels, height, width));
        }
        return found;
    }

    private static string ClassName(IReadOnlyList<string> classNames, int k) => k >= 0 && k < classNames.Count ? classNames[k] : k.ToString(CultureInfo.InvariantCulture);

    private static void AppendClassRow(StringBuilder html, string name, double precision, double recall, double f1, long support) =>
        html.Append("<tr><th>").Append(Encode(name)).Append("</th>").Append(CultureInfo.InvariantCulture,
            $"<td class=\"n\">{precision:F4}</td><td class=\"n\">{recall:F4}</td><td class=\"n\">{f1:F4}</td><td class=\"n\">{support}</td></tr>\n");

    /// <summary>An SVG document as an element of an HTML page: without its XML declaration, doctype and namespace attributes.</summary>
    internal static string Inline(string svg)
    {
        int start = svg.IndexOf("<svg", StringComparison.Ordinal);
        return svg[start..].Replace(" xmlns=\"http://www.w3.org/2000/svg\"", "", StringComparison.Ordinal)
            .Replace(" xmlns:xlink=\"http://www.w3.org/1999/xlink\"", "", StringComparison.Ordinal);
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    /// <summary>A class name cut to 24 characters, so one long name cannot push the matrix off the picture.</summary>
    private static string Shorten(string name) => name.Length <= 24 ? name : name[..23] + "…";

    /// <summary>White at 0 through to dark blue at 1.</summary>
    private static string Shade(double share)
    {
        share = Math.Clamp(share, 0, 1);
        static int Mix(int from, int to, double t) => (int)Math.Round(from + (to - from) * t);
        return $"#{Mix(0xff, 0x08, share):x2}{Mix(0xff, 0x30, share):x2}{Mix(0xff, 0x6b, share):x2}";
    }
}

/// <summary>A test example the model got wrong: its index, its true and predicted class and its pixels (row-major, any range).</summary>
internal sealed record Misclassified(int Index, int TrueClass, int PredictedClass, double[] Pixels, int Height, int Width)
{
    /// <summary>The image as a gray PNG, its darkest pixel black and its brightest white, in base64 for a data URL.</summary>
    public string PngBase64()
    {
        double low = Pixels.Min(), high = Pixels.Max(), span = Math.Max(high - low, 1e-12);
        var gray = new byte[Pixels.Length];
        for (int i = 0; i < gray.Length; i++) gray[i] = (byte)Math.Round(255 * Math.Clamp((Pixels[i] - low) / span, 0, 1));
        using var png = new MemoryStream();
        Nabla.IO.Png.Write(png, gray, Width, Height, Nabla.IO.PngColor.Gray);
        return Convert.ToBase64String(png.ToArray());
    }
}
