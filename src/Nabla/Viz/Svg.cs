using System.Buffers;
using System.Globalization;
using System.Text;

namespace Nabla.Viz;

/// <summary>
/// A minimal SVG 1.1 document builder: shapes and text appended in drawing order, every attribute
/// and text escaped, so the result is always well-formed XML.
/// </summary>
public sealed class Svg
{
    /// <summary>The characters <see cref="Escape"/> replaces: XML's specials and the control characters but tab, newline and return.</summary>
    private static readonly SearchValues<char> EscapedChars = SearchValues.Create(
        [.. "&<>\"'", .. Enumerable.Range(0, ' ').Select(i => (char)i).Where(c => c is not ('\t' or '\n' or '\r'))]);

    private readonly StringBuilder _body = new();
    private int _openGroups;

    /// <summary>Creates an empty drawing of <paramref name="width"/> × <paramref name="height"/> user units (pixels).</summary>
    public Svg(double width, double height)
    {
        if (!(width > 0) || !double.IsFinite(width)) throw new ArgumentOutOfRangeException(nameof(width), width, "Svg: width must be positive and finite.");
        if (!(height > 0) || !double.IsFinite(height)) throw new ArgumentOutOfRangeException(nameof(height), height, "Svg: height must be positive and finite.");
        Width = width;
        Height = height;
    }

    /// <summary>The drawing width.</summary>
    public double Width { get; }

    /// <summary>The drawing height.</summary>
    public double Height { get; }

    /// <summary>A rectangle with its top-left corner at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public Svg Rect(double x, double y, double width, double height, string fill = "none", string? stroke = null, double strokeWidth = 1)
    {
        _body.Append("<rect").Attr("x", x).Attr("y", y).Attr("width", width).Attr("height", height).Attr("fill", fill);
        if (stroke is not null) _body.Attr("stroke", stroke).Attr("stroke-width", strokeWidth);
        _body.Append("/>\n");
        return this;
    }

    /// <summary>A straight line; <paramref name="dashArray"/> (e.g. <c>"4 2"</c>) makes it dashed.</summary>
    public Svg Line(double x1, double y1, double x2, double y2, string stroke = "#000000", double strokeWidth = 1, string? dashArray = null)
    {
        _body.Append("<line").Attr("x1", x1).Attr("y1", y1).Attr("x2", x2).Attr("y2", y2).Attr("stroke", stroke).Attr("stroke-width", strokeWidth);
        if (dashArray is not null) _body.Attr("stroke-dasharray", dashArray);
        _body.Append("/>\n");
        return this;
    }

    /// <summary>An open polyline through <paramref name="points"/>; <paramref name="title"/> becomes its tooltip.</summary>
    public Svg Polyline(IEnumerable<(double X, double Y)> points, string stroke, double strokeWidth = 1.5, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        var coordinates = new StringBuilder();
        foreach (var (x, y) in points)
        {
            if (coordinates.Length > 0) coordinates.Append(' ');
            coordinates.Append(Format(x)).Append(',').Append(Format(y));
        }
        _body.Append("<polyline").Attr("points", coordinates.ToString()).Attr("fill", "none").Attr("stroke", stroke)
            .Attr("stroke-width", strokeWidth).Attr("stroke-linejoin", "round");
        if (title is null) _body.Append("/>\n");
        else _body.Append("><title>").Append(Escape(title)).Append("</title></polyline>\n");
        return this;
    }

    /// <summary>A filled circle.</summary>
    public Svg Circle(double cx, double cy, double r, string fill)
    {
        _body.Append("<circle").Attr("cx", cx).Attr("cy", cy).Attr("r", r).Attr("fill", fill).Append("/>\n");
        return this;
    }

    /// <summary>
    /// Text whose anchor point is (<paramref name="x"/>, <paramref name="y"/>) on the baseline;
    /// <paramref name="anchor"/> is <c>start</c>, <c>middle</c> or <c>end</c>, and <paramref name="rotate"/>
    /// turns it by that many degrees about the anchor (−90 for a vertical axis label).
    /// </summary>
    public Svg Text(double x, double y, string text, double fontSize = 12, string anchor = "start", string fill = "#000000", double rotate = 0, bool bold = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        _body.Append("<text").Attr("x", x).Attr("y", y).Attr("font-size", fontSize).Attr("text-anchor", anchor).Attr("fill", fill);
        if (bold) _body.Attr("font-weight", "bold");
        if (rotate != 0) _body.Attr("transform", $"rotate({Format(rotate)} {Format(x)} {Format(y)})");
        _body.Append('>').Append(Escape(text)).Append("</text>\n");
        return this;
    }

    /// <summary>
    /// Opens a group (<c>&lt;g&gt;</c>) with the id <paramref name="id"/>; what is drawn until <see cref="EndGroup"/>
    /// belongs to it, so a reader of the file can find those shapes.
    /// </summary>
    public Svg Group(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        _body.Append("<g").Attr("id", id).Append(">\n");
        _openGroups++;
        return this;
    }

    /// <summary>Closes the group <see cref="Group"/> opened last.</summary>
    public Svg EndGroup()
    {
        if (_openGroups == 0) throw new InvalidOperationException("Svg.EndGroup: no group is open.");
        _body.Append("</g>\n");
        _openGroups--;
        return this;
    }

    /// <summary>The complete SVG document.</summary>
    public override string ToString() =>
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
        $"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{Format(Width)}\" height=\"{Format(Height)}\" " +
        $"viewBox=\"0 0 {Format(Width)} {Format(Height)}\" font-family=\"Helvetica, Arial, sans-serif\">\n" +
        _body + string.Concat(Enumerable.Repeat("</g>\n", _openGroups)) + "</svg>\n";

    internal static string Format(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>The text with XML's special characters as entities and the control characters XML 1.0 forbids as U+FFFD.</summary>
    internal static string Escape(string text) => TextEscape.Replace(text, EscapedChars, Entity);

    private static string Entity(char c) => c switch
    {
        '&' => "&amp;",
        '<' => "&lt;",
        '>' => "&gt;",
        '"' => "&quot;",
        '\'' => "&apos;",
        // XML 1.0 forbids most control characters even when escaped.
        _ => "\uFFFD",
    };
}

internal static class SvgAttributeExtensions
{
    public static StringBuilder Attr(this StringBuilder sb, string name, string value) =>
        sb.Append(' ').Append(name).Append("=\"").Append(Svg.Escape(value)).Append('"');

    public static StringBuilder Attr(this StringBuilder sb, string name, double value) =>
        sb.Append(' ').Append(name).Append("=\"").Append(Svg.Format(value)).Append('"');
}
