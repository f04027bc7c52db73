using System.Buffers.Binary;
using System.IO.Compression;

namespace Nabla.IO;

/// <summary>The channel layouts a PNG file holds: one byte per channel, 8 bits deep.</summary>
public enum PngColor
{
    /// <summary>One channel: gray.</summary>
    Gray = 1,

    /// <summary>Two channels: gray and alpha.</summary>
    GrayAlpha = 2,

    /// <summary>Three channels: red, green, blue.</summary>
    Rgb = 3,

    /// <summary>Four channels: red, green, blue, alpha.</summary>
    Rgba = 4,
}

/// <summary>A decoded image: <see cref="Height"/> rows of <see cref="Width"/> pixels of interleaved 8-bit channels.</summary>
/// <param name="Pixels">Row-major pixels, <see cref="Width"/> × <see cref="Height"/> × the channels of <see cref="Color"/> bytes.</param>
/// <param name="Width">The width in pixels.</param>
/// <param name="Height">The height in pixels.</param>
/// <param name="Color">The channels of each pixel.</param>
public sealed record PngImage(byte[] Pixels, int Width, int Height, PngColor Color);

/// <summary>
/// Writes 8-bit PNG images (ISO/IEC 15948): the IHDR, one zlib-compressed IDAT and IEND chunks, each with its CRC-32,
/// every row filtered by the PNG filter that makes it smallest by the usual minimum-sum-of-absolute-differences rule.
/// Reads non-interlaced gray, gray-alpha, RGB and RGBA PNGs of 8 or 16 bits per channel, defensively. Only .NET's zlib
/// is needed.
/// </summary>
public static partial class Png
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly uint[] CrcTable = MakeCrcTable();

    /// <summary>Writes an image to <paramref name="path"/> atomically (a crash leaves the old file or the new one).</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="pixels">Row-major pixels, <paramref name="height"/> rows of <paramref name="width"/> pixels of interleaved channels.</param>
    /// <param name="width">The width in pixels.</param>
    /// <param name="height">The height in pixels.</param>
    /// <param name="color">The channels of each pixel.</param>
    public static void Write(string path, byte[] pixels, int width, int height, PngColor color)
    {
        ArgumentNullException.ThrowIfNull(path);
        Check(pixels, width, height, color);
        AtomicFile.Write(path, stream => Write(stream, pixels, width, height, color));
    }

    /// <summary>Writes an image to <paramref name="stream"/>.</summary>
    /// <param name="stream">The stream to write to.</param>
    /// <param name="pixels">Row-major pixels of interleaved channels.</param>
    /// <param name="width">The width in pixels.</param>
    /// <param name="height">The height in pixels.</param>
    /// <param name="color">The channels of each pixel.</param>
    public static void Write(Stream stream, ReadOnlySpan<byte> pixels, int width, int height, PngColor color)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Check(pixels, width, height, color);
        int channels = (int)color;
        stream.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;
        header[9] = color switch { PngColor.Gray => 0, PngColor.GrayAlpha => 4, PngColor.Rgb => 2, _ => 6 };
        WriteChunk(stream, "IHDR", header);

        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                int stride = width * channels;
                var previous = new byte[stride];
                var candidate = new byte[stride];
                var best = new byte[stride + 1];
                for (int y = 0; y < height; y++)
                {
                    var row = pixels.Slice(y * stride, stride);
                    long bestCost = long.MaxValue;
                    for (byte filter = 0; filter <= 4; filter++)
                    {
                        long cost = Filter(filter, row, previous, channels, candidate);
                        if (cost >= bestCost) continue;
                        bestCost = cost;
                        best[0] = filter;
                        candidate.CopyTo(best, 1);
                    }
                    zlib.Write(best);
                    row.CopyTo(previous);
                }
            }
            WriteChunk(stream, "IDAT", compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        }
        WriteChunk(stream, "IEND", []);
    }

    /// <summary>Filters one row into <paramref name="output"/> and returns its cost, the sum of the bytes read as signed values.</summary>
    private static long Filter(byte filter, ReadOnlySpan<byte> row, ReadOnlySpan<byte> above, int channels, Span<byte> output)
    {
        long cost = 0;
        for (int i = 0; i < row.Length; i++)
        {
            int left = i >= channels ? row[i - channels] : 0;
            int up = above[i];
            int upLeft = i >= channels ? above[i - channels] : 0;
            int predictor = filter switch
            {
                0 => 0,
                1 => left,
                2 => up,
                3 => (left + up) / 2,
                _ => Paeth(left, up, upLeft),
            };
            byte value = (byte)(row[i] - predictor);
            output[i] = value;
            cost += Math.Abs((int)(sbyte)value);
        }
        return cost;
    }

    /// <summary>The Paeth predictor: whichever of left, up and up-left is nearest to left + up − up-left.</summary>
    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static void WriteChunk(Stream stream, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(head, data.Length);
        for (int i = 0; i < 4; i++) head[4 + i] = (byte)type[i];
        stream.Write(head);
        stream.Write(data);
        uint crc = Crc(Crc(0xFFFFFFFFu, head[4..]), data) ^ 0xFFFFFFFFu;
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tail, crc);
        stream.Write(tail);
    }

    /// <summary>Continues the CRC-32 (polynomial 0xEDB88320, reflected) of the PNG specification over <paramref name="data"/>.</summary>
    internal static uint Crc(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] MakeCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    private static void Check(ReadOnlySpan<byte> pixels, int width, int height, PngColor color)
    {
        if (!Enum.IsDefined(color)) throw new ArgumentOutOfRangeException(nameof(color), color, "Png.Write: unknown color type.");
        if (width < 1 || height < 1)
            throw new ArgumentException($"Png.Write: an image must be at least 1×1 pixels, got {width}×{height}.");
        long expected = (long)width * height * (int)color;
        if (expected > int.MaxValue / 2)
            throw new ArgumentException($"Png.Write: a {width}×{height} {color} image is too large ({expected} bytes).");
        if (pixels.Length != expected)
            throw new ArgumentException($"Png.Write: a {width}×{height} {color} image needs {expected} bytes, got {pixels.Length}.", nameof(pixels));
    }
}
