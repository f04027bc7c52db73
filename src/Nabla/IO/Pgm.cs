using System.Globalization;
using System.Text;

namespace Nabla.IO;

/// <summary>
/// Binary PGM images (Netpbm P5): a text header <c>P5 width height maxval</c> (with <c>#</c> comments), then one byte
/// per pixel (two, big-endian, when maxval is above 255).
/// </summary>
public static class Pgm
{
    /// <summary>The longest header <see cref="Read"/> reads before giving up.</summary>
    private const int MaxHeader = 4096;

    /// <summary>
    /// Reads a binary PGM file as 8-bit gray pixels, row-major; values are scaled from [0, maxval] to [0, 255] (rounded).
    /// An image wider or taller than <paramref name="maxSide"/> is refused before its pixels are allocated.
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <param name="maxSide">The largest width and height accepted.</param>
    /// <exception cref="InvalidDataException">The file is not a binary PGM, or is truncated or malformed; the message names the file and the problem.</exception>
    public static PngImage Read(string path, int maxSide = Png.DefaultMaxSide)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Pgm.Read: the file '{path}' does not exist.", path);
        InvalidDataException Bad(string why) => new($"Pgm.Read: '{path}' {why}.");
        using var stream = File.OpenRead(path);
        var header = new byte[Math.Min(MaxHeader, stream.Length)];
        stream.ReadExactly(header);
        int position = 0;
        if (header.Length < 2 || header[0] != 'P' || header[1] != '5') throw Bad("is not a binary PGM file (it does not start with 'P5')");
        position = 2;
        var fields = new long[3];
        string[] names = ["width", "height", "maxval"];
        for (int f = 0; f < 3; f++)
        {
            bool whitespace = false;
            while (position < header.Length && (IsSpace(header[position]) || header[position] == '#'))
            {
                whitespace = true;
                if (header[position] == '#') while (position < header.Length && header[position] is not ((byte)'\n' or (byte)'\r')) position++;
                else position++;
            }
            if (position >= header.Length) throw Bad($"is truncated: it ends before its {names[f]}");
            if (!whitespace) throw Bad($"is malformed: no space before its {names[f]}");
            int start = position;
            long value = 0;
            while (position < header.Length && header[position] is >= (byte)'0' and <= (byte)'9' && position - start < 10) value = value * 10 + (header[position++] - '0');
            if (position == start) throw Bad($"is malformed: its {names[f]} is not a number");
            if (position >= header.Length) throw Bad("is truncated: it ends inside its header");
            if (!IsSpace(header[position])) throw Bad($"is malformed: its {names[f]} is followed by the byte 0x{header[position]:X2}, not a space");
            fields[f] = value;
        }
        position++;
        long width = fields[0], height = fields[1], maxval = fields[2];
        if (width < 1 || height < 1) throw Bad($"is malformed: it is {width}×{height} pixels");
        if (width > maxSide || height > maxSide) throw Bad($"is {width}×{height} pixels, larger than the {maxSide}×{maxSide} accepted");
        if (maxval is < 1 or > 65535) throw Bad($"is malformed: its maxval is {maxval}; expected 1 to 65535");
        int bytesPerPixel = maxval > 255 ? 2 : 1;
        long expected = width * height * bytesPerPixel;
        long available = stream.Length - position;
        if (available < expected) throw Bad($"is truncated: a {width}×{height} image needs {expected} bytes of pixels, but it holds {available}");

        var raster = new byte[expected];
        stream.Position = position;
        stream.ReadExactly(raster);
        var pixels = new byte[width * height];
        for (int i = 0; i < pixels.Length; i++)
        {
            int v = bytesPerPixel == 1 ? raster[i] : (raster[2 * i] << 8) | raster[2 * i + 1];
            if (v > maxval) throw Bad($"is malformed: pixel {i} is {v}, above its maxval {maxval}");
            pixels[i] = maxval == 255 ? (byte)v : (byte)((v * 255 + maxval / 2) / maxval);
        }
        return new PngImage(pixels, (int)width, (int)height, PngColor.Gray);
    }

    /// <summary>Writes 8-bit gray pixels as a binary PGM file (maxval 255), atomically.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="pixels">Row-major pixels, <paramref name="height"/> rows of <paramref name="width"/>.</param>
    /// <param name="width">The width in pixels.</param>
    /// <param name="height">The height in pixels.</param>
    public static void Write(string path, byte[] pixels, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(pixels);
        if (width < 1 || height < 1) throw new ArgumentException($"Pgm.Write: an image must be at least 1×1 pixels, got {width}×{height}.");
        if (pixels.Length != (long)width * height)
            throw new ArgumentException($"Pgm.Write: a {width}×{height} image needs {(long)width * height} bytes, got {pixels.Length}.", nameof(pixels));
        AtomicFile.Write(path, stream =>
        {
            stream.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"P5\n{width} {height}\n255\n")));
            stream.Write(pixels);
        });
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C;
}
