using System.Globalization;
using Nabla.IO;
using Nabla.Viz;

namespace Nabla.Cli;

/// <summary>
/// A saliency map drawn beside its input: the input in gray, the map in colour, and a colour scale. A map with
/// negative values uses a diverging scale (blue below zero, white at zero, red above) symmetric about zero; a map of
/// non-negative values a sequential one (black through purple and orange to yellow). The SVG's groups
/// <c>input</c> and <c>saliency</c> hold one rectangle per pixel, so the file can be read back.
/// </summary>
internal static class HeatMap
{
    /// <summary>Writes the SVG to <paramref name="svgPath"/> and the same picture, pixel per pixel, as a PNG to <paramref name="pngPath"/>.</summary>
    /// <param name="svgPath">The SVG file to create or replace.</param>
    /// <param name="pngPath">The PNG file to create or replace.</param>
    /// <param name="input">The input, <paramref name="rows"/> × <paramref name="columns"/>, row-major.</param>
    /// <param name="map">The saliency of each input value.</param>
    /// <param name="rows">The height of the input and the map.</param>
    /// <param name="columns">The width of the input and the map.</param>
    /// <param name="inputRange">The input values drawn black and white.</param>
    /// <param name="title">The line above the picture.</param>
    /// <param name="mapLabel">The caption under the map.</param>
    public static void Write(string svgPath, string pngPath, double[] input, double[] map, int rows, int columns, (double Low, double High) inputRange,
        string title, string mapLabel)
    {
        var scale = Scale.Of(map);
        AtomicFile.WriteAllText(svgPath, Svg(input, map, rows, columns, inputRange, scale, title, mapLabel));
        WritePng(pngPath, input, map, rows, columns, inputRange, scale);
    }

    private static string Svg(double[] input, double[] map, int rows, int columns, (double Low, double High) inputRange, Scale scale, string title, string mapLabel)
    {
        double cell = Math.Clamp(280.0 / Math.Max(rows, columns), 2, 40);
        double panelWidth = columns * cell, panelHeight = rows * cell, top = 40, margin = 20;
        double barHeight = Math.Max(panelHeight, 120), barX = margin + 2 * panelWidth + 2 * margin;
        var svg = new Svg(barX + 16 + 90, top + barHeight + 36);
        svg.Rect(0, 0, svg.Width, svg.Height, fill: "#ffffff");
        svg.Text(margin, 24, title, fontSize: 14);

        svg.Group("input");
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                byte g = GrayLevel(input[r * columns + c], inputRange);
                svg.Rect(margin + c * cell, top + r * cell, cell, cell, fill: Hex(g, g, g));
            }
        }
        svg.EndGroup();
        svg.Group("saliency");
        double left = 2 * margin + panelWidth;
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                var (red, green, blue) = scale.Color(map[r * columns + c]);
                svg.Rect(left + c * cell, top + r * cell, cell, cell, fill: Hex(red, green, blue));
            }
        }
        svg.EndGroup();
        svg.Rect(margin, top, panelWidth, panelHeight, stroke: "#888888");
        svg.Rect(left, top, panelWidth, panelHeight, stroke: "#888888");
        svg.Text(margin + panelWidth / 2, top + panelHeight + 18, "input", fontSize: 12, anchor: "middle");
        svg.Text(left + panelWidth / 2, top + panelHeight + 18, mapLabel, fontSize: 12, anchor: "middle");

        svg.Group("scale");
        const int Steps = 64;
        for (int i = 0; i < Steps; i++)
        {
            double value = scale.High - (scale.High - scale.Low) * (i + 0.5) / Steps;
            var (red, green, blue) = scale.Color(value);
            svg.Rect(barX, top + barHeight * i / Steps, 16, barHeight / Steps + 0.5, fill: Hex(red, green, blue));
        }
        svg.EndGroup();
        svg.Rect(barX, top, 16, barHeight, stroke: "#888888");
        foreach (var (value, y) in new[] { (scale.High, top), ((scale.High + scale.Low) / 2, top + barHeight / 2), (scale.Low, top + barHeight) })
        {
            svg.Line(barX + 16, y, barX + 20, y, stroke: "#444444");
            svg.Text(barX + 23, y + 4, value.ToString("G3", CultureInfo.InvariantCulture), fontSize: 11);
        }
        return svg.ToString();
    }

    private static void WritePng(string path, double[] input, double[] map, int rows, int columns, (double Low, double High) inputRange, Scale scale)
    {
        int factor = Math.Clamp(224 / Math.Max(rows, columns), 1, 64);
        int gap = Math.Max(2, factor);
        int width = 2 * columns * factor + gap, height = rows * factor;
        var pixels = new byte[width * height * 3];
        Array.Fill(pixels, (byte)255);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < columns * factor; x++)
            {
                int k = (y / factor) * columns + x / factor;
                byte g = GrayLevel(input[k], inputRange);
                int o = (y * width + x) * 3;
                pixels[o] = pixels[o + 1] = pixels[o + 2] = g;
                var (red, green, blue) = scale.Color(map[k]);
                int h = (y * width + x + columns * factor + gap) * 3;
                (pixels[h], pixels[h + 1], pixels[h + 2]) = (red, green, blue);
            }
        }
        Png.Write(path, pixels, width, height, PngColor.Rgb);
    }

    private static byte GrayLevel(double v, (double Low, double High) range) =>
        (byte)Math.Round(255 * Math.Clamp((v - range.Low) / Math.Max(range.High - range.Low, 1e-12), 0, 1));

    private static string Hex(byte r, byte g, byte b) => $"#{r:x2}{g:x2}{b:x2}";

    /// <summary>The colour scale of a map: diverging about zero when it has negative values, sequential from zero otherwise.</summary>
    private sealed record Scale(double Low, double High, bool Diverging)
    {
        private static readonly (double At, byte R, byte G, byte B)[] Sequential =
            [(0, 0, 0, 4), (0.35, 120, 28, 109), (0.7, 237, 105, 37), (1, 252, 255, 164)];

        private static readonly (double At, byte R, byte G, byte B)[] Divergent =
            [(0, 59, 76, 192), (0.5, 255, 255, 255), (1, 180, 4, 38)];

        public static Scale Of(double[] map)
        {
            double largest = map.Length == 0 ? 0 : map.Max(Math.Abs);
            if (!(largest > 0)) largest = 1;
            return map.Any(v => v < 0) ? new Scale(-largest, largest, true) : new Scale(0, largest, false);
        }

        public (byte R, byte G, byte B) Color(double value)
        {
            double t = Math.Clamp((value - Low) / (High - Low), 0, 1);
            var stops = Diverging ? Divergent : Sequential;
            int i = 1;
            while (i < stops.Length - 1 && t > stops[i].At) i++;
            var (a, b) = (stops[i - 1], stops[i]);
            double u = (t - a.At) / (b.At - a.At);
            static byte Mix(byte x, byte y, double u) => (byte)Math.Round(x + (y - x) * u);
            return (Mix(a.R, b.R, u), Mix(a.G, b.G, u), Mix(a.B, b.B, u));
        }
    }
}
