using System.Globalization;

namespace Nabla.Viz;

/// <summary>Charts drawn as standalone SVG documents, for training curves in run outputs and reports.</summary>
public static class Plot
{
    private static readonly string[] Palette =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    private const double Left = 72, Right = 24, Top = 44, Bottom = 56;

    /// <summary>
    /// A line chart with one polyline per series (in the order given), axes with ticks, grid lines and a legend.
    /// Point <c>i</c> of every series is drawn at x = <paramref name="xStart"/> + i, as matplotlib's <c>plot(ys)</c> does.
    /// Non-finite values (a diverged loss) and, on a log scale, non-positive ones are left out of the line.
    /// </summary>
    /// <param name="series">The named curves, e.g. <c>[("train", trainLoss), ("validation", valLoss)]</c>.</param>
    /// <param name="title">The chart title (empty for none).</param>
    /// <param name="xLabel">The x-axis label, e.g. <c>epoch</c>.</param>
    /// <param name="yLabel">The y-axis label, e.g. <c>loss</c>.</param>
    /// <param name="width">The drawing width in pixels.</param>
    /// <param name="height">The drawing height in pixels.</param>
    /// <param name="logY">Use a base-10 logarithmic y axis.</param>
    /// <param name="xStart">The x value of each series' first point.</param>
    /// <returns>An SVG document.</returns>
    public static string LineChart(IReadOnlyList<(string Name, double[] Ys)> series, string title = "", string xLabel = "", string yLabel = "",
        int width = 720, int height = 440, bool logY = false, double xStart = 0)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (width < 200) throw new ArgumentOutOfRangeException(nameof(width), width, "Plot.LineChart: width must be at least 200 pixels.");
        if (height < 150) throw new ArgumentOutOfRangeException(nameof(height), height, "Plot.LineChart: height must be at least 150 pixels.");
        if (!double.IsFinite(xStart)) throw new ArgumentOutOfRangeException(nameof(xStart), xStart, "Plot.LineChart: xStart must be finite.");
        for (int s = 0; s < series.Count; s++)
        {
            if (series[s].Name is null || series[s].Ys is null)
                throw new ArgumentException($"Plot.LineChart: series {s} has a null name or null values.", nameof(series));
        }

        var svg = new Svg(width, height);
        DrawLineChart(svg, 0, 0, width, height, series, title, xLabel, yLabel, logY, xStart, markerGroup: null);
        return svg.ToString();
    }

    /// <summary>
    /// Draws the chart <see cref="LineChart"/> draws into <paramref name="svg"/>, with its top-left corner at
    /// (<paramref name="originX"/>, <paramref name="originY"/>), so several charts can share one drawing. With
    /// <paramref name="markerGroup"/>, every point also gets a dot (a one-point series is readable), and the dots of
    /// series <c>s</c> are the circles of the group <c>{markerGroup}-{name}</c>; without it only a lone point gets one.
    /// </summary>
    internal static void DrawLineChart(Svg svg, double originX, double originY, int width, int height, IReadOnlyList<(string Name, double[] Ys)> series,
        string title, string xLabel, string yLabel, bool logY, double xStart, string? markerGroup)
    {
        bool Usable(double y) => double.IsFinite(y) && (!logY || y > 0);
        double Transform(double y) => logY ? Math.Log10(y) : y;

        int longest = series.Count == 0 ? 0 : series.Max(s => s.Ys.Length);
        double xMin = xStart, xMax = xStart + Math.Max(longest - 1, 0);
        if (xMax == xMin) { xMin -= 1; xMax += 1; }
        var values = series.SelectMany(s => s.Ys).Where(Usable).Select(Transform).ToArray();
        double yMin = values.Length > 0 ? values.Min() : 0, yMax = values.Length > 0 ? values.Max() : 1;
        if (yMax == yMin)
        {
            double pad = yMin == 0 ? 1 : Math.Abs(yMin) * 0.1;
            yMin -= pad; yMax += pad;
        }

        var xTicks = NiceTicks(xMin, xMax, 8, minStep: 1);
        var yTicks = logY ? DecadeTicks(yMin, yMax) : NiceTicks(yMin, yMax, 6);
        yMin = Math.Min(yMin, yTicks[0]);
        yMax = Math.Max(yMax, yTicks[^1]);

        double plotW = width - Left - Right, plotH = height - Top - Bottom;
        double X(double x) => originX + Left + (x - xMin) / (xMax - xMin) * plotW;
        double Y(double y) => originY + Top + plotH - (y - yMin) / (yMax - yMin) * plotH;

        svg.Rect(originX, originY, width, height, fill: "#ffffff");
        if (title.Length > 0) svg.Text(originX + width / 2.0, originY + 26, title, fontSize: 16, anchor: "middle", bold: true);

        double xStep = xTicks.Length > 1 ? xTicks[1] - xTicks[0] : 1;
        foreach (double t in xTicks)
        {
            if (t < xMin || t > xMax) continue;
            svg.Line(X(t), originY + Top, X(t), originY + Top + plotH, stroke: "#e6e6e6");
            svg.Line(X(t), originY + Top + plotH, X(t), originY + Top + plotH + 5, stroke: "#333333");
            svg.Text(X(t), originY + Top + plotH + 19, FormatTick(t, xStep), fontSize: 11, anchor: "middle");
        }
        double yStep = yTicks.Length > 1 ? yTicks[1] - yTicks[0] : 1;
        foreach (double t in yTicks)
        {
            svg.Line(originX + Left, Y(t), originX + Left + plotW, Y(t), stroke: "#e6e6e6");
            svg.Line(originX + Left - 5, Y(t), originX + Left, Y(t), stroke: "#333333");
            string label = logY ? FormatTick(Math.Pow(10, t), Math.Pow(10, t)) : FormatTick(t, yStep);
            svg.Text(originX + Left - 8, Y(t) + 4, label, fontSize: 11, anchor: "end");
        }
        svg.Rect(originX + Left, originY + Top, plotW, plotH, stroke: "#333333");
        if (xLabel.Length > 0) svg.Text(originX + Left + plotW / 2, originY + height - 14, xLabel, fontSize: 13, anchor: "middle");
        if (yLabel.Length > 0) svg.Text(originX + 18, originY + Top + plotH / 2, yLabel, fontSize: 13, anchor: "middle", rotate: -90);

        for (int s = 0; s < series.Count; s++)
        {
            string color = Palette[s % Palette.Length];
            var ys = series[s].Ys;
            var points = new List<(double, double)>(ys.Length);
            for (int i = 0; i < ys.Length; i++)
                if (Usable(ys[i])) points.Add((X(xStart + i), Y(Transform(ys[i]))));
            svg.Polyline(points, color, strokeWidth: 1.8, title: series[s].Name);
            if (markerGroup is not null)
            {
                svg.Group(markerGroup + "-" + series[s].Name);
                foreach (var (x, y) in points) svg.Circle(x, y, 3, color);
                svg.EndGroup();
            }
            else if (points.Count == 1)
            {
                svg.Circle(points[0].Item1, points[0].Item2, 3, color);
            }
        }

        if (series.Count > 0)
        {
            double rowHeight = 18;
            double legendW = 44 + 7 * series.Max(s => s.Name.Length);
            double legendX = originX + Left + plotW - legendW - 10, legendY = originY + Top + 10;
            svg.Rect(legendX, legendY, legendW, rowHeight * series.Count + 8, fill: "#ffffff", stroke: "#bbbbbb");
            for (int s = 0; s < series.Count; s++)
            {
                double y = legendY + 4 + rowHeight * s + rowHeight / 2;
                svg.Line(legendX + 8, y, legendX + 30, y, stroke: Palette[s % Palette.Length], strokeWidth: 2.5);
                svg.Text(legendX + 36, y + 4, series[s].Name, fontSize: 12);
            }
        }
    }

    /// <summary>
    /// Round-number ticks (1, 2 or 5 × 10^k apart, at least <paramref name="minStep"/>) covering [min, max]
    /// with about <paramref name="target"/> intervals.
    /// </summary>
    internal static double[] NiceTicks(double min, double max, int target, double minStep = 0)
    {
        double raw = (max - min) / target;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double normalized = raw / magnitude;
        double step = Math.Max((normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10) * magnitude, minStep);
        double first = Math.Floor(min / step) * step, last = Math.Ceiling(max / step) * step;
        int count = (int)Math.Round((last - first) / step) + 1;
        var ticks = new double[count];
        for (int i = 0; i < count; i++) ticks[i] = first + i * step;
        return ticks;
    }

    /// <summary>Ticks at whole powers of ten for a log axis; <paramref name="min"/> and <paramref name="max"/> are log10 values.</summary>
    private static double[] DecadeTicks(double min, double max)
    {
        int first = (int)Math.Floor(min), last = (int)Math.Ceiling(max);
        if (last == first) last++;
        int stride = Math.Max(1, (last - first + 5) / 6);
        var ticks = new List<double>();
        for (int e = first; e <= last; e += stride) ticks.Add(e);
        if (ticks[^1] < last) ticks.Add(ticks[^1] + stride);
        return [.. ticks];
    }

    private static string FormatTick(double value, double step)
    {
        double magnitude = Math.Abs(value);
        if (magnitude != 0 && (magnitude >= 1e5 || magnitude < 1e-4 || Math.Abs(step) < 1e-4))
            return value.ToString("0.##e+0", CultureInfo.InvariantCulture);
        int decimals = Math.Clamp(-(int)Math.Floor(Math.Log10(Math.Abs(step)) + 1e-9), 0, 6);
        if (Math.Abs(value) < step * 1e-9) value = 0;
        return value.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }
}
