using System.Globalization;
using System.Xml;
using Nabla.Viz;

namespace Nabla.Tests.Viz;

public sealed class PlotTests
{
    private const string SvgNs = "http://www.w3.org/2000/svg";

    private static (XmlDocument Doc, XmlNamespaceManager Ns) Parse(string svg)
    {
        var doc = new XmlDocument();
        doc.LoadXml(svg);
        var ns = new XmlNamespaceManager(doc.NameTable);
        ns.AddNamespace("s", SvgNs);
        Assert.Equal("svg", doc.DocumentElement!.LocalName);
        Assert.Equal(SvgNs, doc.DocumentElement.NamespaceURI);
        return (doc, ns);
    }

    private static (double X, double Y)[] Points(XmlNode polyline) =>
        polyline.Attributes!["points"]!.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split(','))
            .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))
            .ToArray();

    private static string[] Texts(XmlDocument doc, XmlNamespaceManager ns) =>
        doc.SelectNodes("//s:text", ns)!.Cast<XmlNode>().Select(n => n.InnerText).ToArray();

    [Fact]
    public void LineChartIsWellFormedSvgWithOnePolylinePerSeries()
    {
        double[] train = [2.3, 1.1, 0.7, 0.5, 0.41, 0.38];
        double[] validation = [2.4, 1.3, 0.9, 0.8];
        string svg = Plot.LineChart([("train", train), ("validation", validation)], title: "Loss & accuracy <MNIST>", xLabel: "epoch", yLabel: "loss");
        var (doc, ns) = Parse(svg);

        var lines = doc.SelectNodes("//s:polyline", ns)!.Cast<XmlNode>().ToArray();
        Assert.Equal(2, lines.Length);
        Assert.Equal(["train", "validation"], lines.Select(l => l.SelectSingleNode("s:title", ns)!.InnerText));
        Assert.NotEqual(lines[0].Attributes!["stroke"]!.Value, lines[1].Attributes!["stroke"]!.Value);

        var p = Points(lines[0]);
        Assert.Equal(train.Length, p.Length);
        Assert.Equal(validation.Length, Points(lines[1]).Length);
        // x grows with the index; SVG y grows downwards, so a falling loss gives growing y.
        for (int i = 1; i < p.Length; i++)
        {
            Assert.True(p[i].X > p[i - 1].X);
            Assert.True(p[i].Y > p[i - 1].Y);
        }
        // Both series share the x scale: point i sits at the same x in each.
        Assert.Equal(p.Take(4).Select(q => q.X), Points(lines[1]).Select(q => q.X));
        // y is linear in the value.
        double slope = (p[1].Y - p[0].Y) / (train[1] - train[0]);
        for (int i = 2; i < p.Length; i++) Assert.Equal(p[0].Y + slope * (train[i] - train[0]), p[i].Y, 0.02);

        var texts = Texts(doc, ns);
        Assert.Contains("Loss & accuracy <MNIST>", texts);
        Assert.Contains("epoch", texts);
        Assert.Contains("loss", texts);
        Assert.Contains("train", texts);
        Assert.Contains("validation", texts);
        Assert.Contains("0.5", texts);
        Assert.Contains("2.5", texts);
        Assert.Contains("5", texts);
    }

    [Fact]
    public void ChartsDrawnSideBySideKeepToTheirPanelAndMarkEveryPoint()
    {
        var svg = new Svg(960, 360);
        double[] loss = [0.9, 0.5, 0.4];
        Plot.DrawLineChart(svg, 0, 0, 480, 360, [("train", loss)], "loss", "epoch", "loss", logY: false, xStart: 1, markerGroup: "loss");
        Plot.DrawLineChart(svg, 480, 0, 480, 360, [("train", loss), ("test", [0.7])], "accuracy", "epoch", "accuracy", logY: false, xStart: 1, markerGroup: "accuracy");
        var (doc, ns) = Parse(svg.ToString());

        var lines = doc.SelectNodes("//s:polyline", ns)!.Cast<XmlNode>().ToArray();
        Assert.Equal(3, lines.Length);
        Assert.All(Points(lines[0]), q => Assert.InRange(q.X, 0, 480));
        // The second panel is the first one moved right by its width: the same series lands 480 further.
        Assert.Equal(Points(lines[0]).Select(q => q.X + 480), Points(lines[1]).Select(q => q.X));
        Assert.Equal(Points(lines[0]).Select(q => q.Y), Points(lines[1]).Select(q => q.Y));
        int Dots(string group) => doc.SelectNodes($"//s:g[@id='{group}']/s:circle", ns)!.Count;
        Assert.Equal(3, Dots("loss-train"));
        Assert.Equal(3, Dots("accuracy-train"));
        Assert.Equal(1, Dots("accuracy-test"));
        Assert.Contains("accuracy", Texts(doc, ns));
    }

    [Fact]
    public void NonFiniteValuesAreLeftOutOfTheLine()
    {
        string svg = Plot.LineChart([("diverged", [1.0, double.NaN, 0.5, double.PositiveInfinity, 0.25]), ("all nan", [double.NaN])]);
        var (doc, ns) = Parse(svg);
        var lines = doc.SelectNodes("//s:polyline", ns)!.Cast<XmlNode>().ToArray();
        Assert.Equal(3, Points(lines[0]).Length);
        Assert.Empty(Points(lines[1]));
    }

    [Fact]
    public void LogScaleUsesDecadeTicksAndDropsNonPositiveValues()
    {
        string svg = Plot.LineChart([("loss", [10.0, 1.0, 0.1, 0.0, 0.01])], logY: true);
        var (doc, ns) = Parse(svg);
        var p = Points(doc.SelectSingleNode("//s:polyline", ns)!);
        Assert.Equal(4, p.Length);
        // Equal ratios are equal distances on a log axis.
        Assert.Equal(p[1].Y - p[0].Y, p[2].Y - p[1].Y, 0.02);
        Assert.Equal(p[1].Y - p[0].Y, p[3].Y - p[2].Y, 0.02);
        var texts = Texts(doc, ns);
        Assert.Contains("0.01", texts);
        Assert.Contains("10", texts);
    }

    [Fact]
    public void DegenerateInputsStillGiveAValidChart()
    {
        Assert.Empty(Parse(Plot.LineChart([])).Doc.GetElementsByTagName("polyline"));
        var (doc, ns) = Parse(Plot.LineChart([("one point", [3.0]), ("constant", [2.0, 2.0, 2.0])]));
        Assert.Single(Points(doc.SelectNodes("//s:polyline", ns)![0]!));
        Assert.Single(doc.SelectNodes("//s:circle", ns)!.Cast<XmlNode>());
        var flat = Points(doc.SelectNodes("//s:polyline", ns)![1]!);
        Assert.All(flat, q => Assert.Equal(flat[0].Y, q.Y));
    }

    [Fact]
    public void XStartShiftsTheTickLabels()
    {
        var (doc, ns) = Parse(Plot.LineChart([("loss", [3.0, 2.0, 1.0])], xStart: 1));
        var texts = Texts(doc, ns);
        Assert.Contains("1", texts);
        Assert.Contains("3", texts);
    }

    [Fact]
    public void LineChartValidatesItsArguments()
    {
        Assert.Throws<ArgumentNullException>(() => Plot.LineChart(null!));
        Assert.Contains("series 0", Assert.Throws<ArgumentException>(() => Plot.LineChart([("x", null!)])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Plot.LineChart([], width: 10));
    }

    [Theory]
    [InlineData(0, 1, 5, new[] { 0, 0.2, 0.4, 0.6, 0.8, 1 })]
    [InlineData(0.38, 2.3, 6, new[] { 0, 0.5, 1, 1.5, 2, 2.5 })]
    [InlineData(0, 99, 8, new[] { 0.0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100 })]
    [InlineData(-3, 7, 5, new[] { -4.0, -2, 0, 2, 4, 6, 8 })]
    public void NiceTicksAreRoundNumbersCoveringTheRange(double min, double max, int target, double[] expected)
    {
        var ticks = Plot.NiceTicks(min, max, target);
        Assert.Equal(expected.Length, ticks.Length);
        for (int i = 0; i < ticks.Length; i++) Assert.Equal(expected[i], ticks[i], 1e-12);
    }

    [Fact]
    public void SvgBuilderEscapesTextAndAttributes()
    {
        var svg = new Svg(100, 50)
            .Rect(0, 0, 100, 50, fill: "#fff", stroke: "#000")
            .Line(0, 0, 100, 50, dashArray: "4 2")
            .Circle(10, 10, 2, "red")
            .Polyline([(0, 0), (1.006, 2.5)], "a\"b", title: "x < y & z")
            .Text(5, 20, "a < b & c > \"d\" \u0001", rotate: -90, bold: true)
            .ToString();
        var (doc, ns) = Parse(svg);
        Assert.Equal("100", doc.DocumentElement!.GetAttribute("width"));
        Assert.Equal("a < b & c > \"d\" \uFFFD", doc.SelectSingleNode("//s:text", ns)!.InnerText);
        Assert.Equal("rotate(-90 5 20)", doc.SelectSingleNode("//s:text", ns)!.Attributes!["transform"]!.Value);
        var polyline = doc.SelectSingleNode("//s:polyline", ns)!;
        Assert.Equal("a\"b", polyline.Attributes!["stroke"]!.Value);
        Assert.Equal("0,0 1.01,2.5", polyline.Attributes!["points"]!.Value);
        Assert.Equal("x < y & z", polyline.InnerText);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Svg(0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Svg(10, double.NaN));
    }

    [Theory]
    [InlineData("plain text, 1.5", "plain text, 1.5")]
    [InlineData("it's <b> & \"c\"", "it&apos;s &lt;b&gt; &amp; &quot;c&quot;")]
    [InlineData("tab\tnew\nline\r bell\u0007 nul\u0000", "tab\tnew\nline\r bell\uFFFD nul\uFFFD")]
    [InlineData("", "")]
    public void SvgEscapeReplacesXmlSpecialsAndForbiddenControls(string text, string expected) =>
        Assert.Equal(expected, Svg.Escape(text));
}
