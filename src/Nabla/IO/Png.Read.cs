using System.Buffers.Binary;
using System.IO.Compression;

namespace Nabla.IO;

public static partial class Png
{
    /// <summary>The largest width and height <see cref="Read(string, int)"/> accepts by default.</summary>
    public const int DefaultMaxSide = 8192;

    /// <summary>Deflate cannot compress by more than about 1032:1, so less image data than this fraction is a truncated file.</summary>
    private const int MaxDeflateRatio = 1032;

    /// <summary>
    /// Reads a PNG file: non-interlaced, 8 or 16 bits per channel (16-bit channels keep their high byte), gray, gray-alpha,
    /// RGB or RGBA. The file is checked as it is read (signature, chunk lengths and CRCs, header, filters, the amount of
    /// image data), and an image wider or taller than <paramref name="maxSide"/> is refused before its pixels are allocated.
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <param name="maxSide">The largest width and height accepted.</param>
    /// <exception cref="InvalidDataException">The file is not a PNG this reader supports, or is truncated or corrupt; the message names the file and the problem.</exception>
    public static PngImage Read(string path, int maxSide = DefaultMaxSide)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Png.Read: the file '{path}' does not exist.", path);
        long length = new FileInfo(path).Length;
        long limit = 64L + (long)maxSide * maxSide * 8 + (long)maxSide * 16;
        if (length > Math.Min(limit, int.MaxValue / 2))
            throw new InvalidDataException($"Png.Read: '{path}' is {length} bytes, more than a {maxSide}×{maxSide} PNG can need.");
        return Decode(File.ReadAllBytes(path), $"'{path}'", maxSide);
    }

    /// <summary>Decodes a PNG held in memory; see <see cref="Read(string, int)"/>.</summary>
    /// <param name="data">The bytes of the PNG file.</param>
    /// <param name="name">How error messages name the data, e.g. a quoted file name.</param>
    /// <param name="maxSide">The largest width and height accepted.</param>
    /// <exception cref="InvalidDataException">The data is not a PNG this reader supports, or is truncated or corrupt.</exception>
    public static PngImage Decode(ReadOnlySpan<byte> data, string name = "the data", int maxSide = DefaultMaxSide)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (maxSide < 1) throw new ArgumentOutOfRangeException(nameof(maxSide), maxSide, "Png.Decode: maxSide must be positive.");
        InvalidDataException Bad(string why) => new($"Png.Read: {name} {why}.");
        if (data.Length < Signature.Length || !data[..Signature.Length].SequenceEqual(Signature)) throw Bad("is not a PNG file (its first 8 bytes are not the PNG signature)");

        int position = Signature.Length;
        int width = 0, height = 0, bitDepth = 0, channels = 0;
        PngColor color = PngColor.Gray;
        bool seenHeader = false, seenEnd = false;
        using var compressed = new MemoryStream();
        while (!seenEnd)
        {
            if (data.Length - position < 12) throw Bad(seenHeader ? "is truncated: it ends before the IEND chunk" : "is truncated: it ends inside the header");
            uint chunkLength = BinaryPrimitives.ReadUInt32BigEndian(data[position..]);
            var typeBytes = data.Slice(position + 4, 4);
            string type = string.Create(4, typeBytes.ToArray(), (span, bytes) => { for (int i = 0; i < 4; i++) span[i] = (char)bytes[i]; });
            foreach (byte b in typeBytes)
            {
                if (b is not ((>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z')))
                    throw Bad($"is corrupt: a chunk at byte {position} has an invalid type");
            }
            if (chunkLength > (uint)(data.Length - position - 12))
                throw Bad($"is truncated: its {type} chunk at byte {position} holds {chunkLength} bytes, but the file ends {data.Length - position - 12} bytes later");
            var body = data.Slice(position + 8, (int)chunkLength);
            uint crc = Crc(Crc(0xFFFFFFFFu, typeBytes), body) ^ 0xFFFFFFFFu;
            if (crc != BinaryPrimitives.ReadUInt32BigEndian(data[(position + 8 + (int)chunkLength)..]))
                throw Bad($"is corrupt: the CRC of its {type} chunk at byte {position} does not match");
            position += 12 + (int)chunkLength;

            if (!seenHeader && type != "IHDR") throw Bad($"is corrupt: its first chunk is {type}, not IHDR");
            switch (type)
            {
                case "IHDR":
                    if (seenHeader) throw Bad("is corrupt: it has two IHDR chunks");
                    if (body.Length != 13) throw Bad($"is corrupt: its IHDR chunk holds {body.Length} bytes, not 13");
                    seenHeader = true;
                    uint w = BinaryPrimitives.ReadUInt32BigEndian(body), h = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
                    if (w == 0 || h == 0) throw Bad($"is corrupt: it is {w}×{h} pixels");
                    if (w > maxSide || h > maxSide) throw Bad($"is {w}×{h} pixels, larger than the {maxSide}×{maxSide} accepted");
                    (width, height, bitDepth) = ((int)w, (int)h, body[8]);
                    (color, channels) = body[9] switch
                    {
                        0 => (PngColor.Gray, 1),
                        2 => (PngColor.Rgb, 3),
                        4 => (PngColor.GrayAlpha, 2),
                        6 => (PngColor.Rgba, 4),
                        3 => throw Bad("is a palette PNG, which is not supported (save it as gray, RGB or RGBA)"),
                        _ => throw Bad($"is corrupt: its color type is {body[9]}"),
                    };
                    if (bitDepth is not (8 or 16)) throw Bad($"has {bitDepth} bits per channel; only 8 and 16 are supported");
                    if (body[10] != 0 || body[11] != 0) throw Bad("is corrupt: its compression or filter method is not 0");
                    if (body[12] != 0) throw Bad(body[12] == 1 ? "is interlaced (Adam7), which is not supported" : $"is corrupt: its interlace method is {body[12]}");
                    break;
                case "IDAT":
                    compressed.Write(body);
                    break;
                case "IEND":
                    seenEnd = true;
                    break;
                default:
                    // An upper-case first letter marks a chunk a decoder must understand.
                    if (type[0] is >= 'A' and <= 'Z' && type != "PLTE") throw Bad($"holds the critical chunk {type}, which is not supported");
                    break;
            }
        }

        int bytesPerPixel = channels * bitDepth / 8;
        long stride = (long)width * bytesPerPixel;
        long raw = height * (stride + 1);
        if (compressed.Length == 0) throw Bad("holds no image data (no IDAT chunk)");
        if (compressed.Length * MaxDeflateRatio + 1024 < raw)
            throw Bad($"is truncated: {compressed.Length} bytes of image data cannot hold a {width}×{height} image");

        var pixels = new byte[(long)width * height * channels];
        var previous = new byte[stride];
        var current = new byte[stride];
        compressed.Position = 0;
        try
        {
            using var zlib = new ZLibStream(compressed, CompressionMode.Decompress);
            Span<byte> filter = stackalloc byte[1];
            for (int y = 0; y < height; y++)
            {
                if (zlib.ReadAtLeast(filter, 1, throwOnEndOfStream: false) < 1 || zlib.ReadAtLeast(current, current.Length, throwOnEndOfStream: false) < current.Length)
                    throw Bad($"is truncated: its image data ends in row {y + 1} of {height}");
                Unfilter(filter[0], current, previous, bytesPerPixel, y, Bad);
                var row = pixels.AsSpan((int)((long)y * width * channels), width * channels);
                if (bitDepth == 8) current.CopyTo(row);
                else for (int i = 0; i < row.Length; i++) row[i] = current[2 * i];
                (previous, current) = (current, previous);
            }
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith("Png.Read:", StringComparison.Ordinal))
        {
            throw Bad($"is corrupt: its compressed image data is invalid ({e.Message.TrimEnd('.')})");
        }
        return new PngImage(pixels, width, height, color);
    }

    /// <summary>Undoes the PNG filter of one row in place, given the unfiltered row above.</summary>
    private static void Unfilter(byte filter, Span<byte> row, ReadOnlySpan<byte> above, int bpp, int y, Func<string, InvalidDataException> bad)
    {
        switch (filter)
        {
            case 0:
                break;
            case 1:
                for (int i = bpp; i < row.Length; i++) row[i] += row[i - bpp];
                break;
            case 2:
                for (int i = 0; i < row.Length; i++) row[i] += above[i];
                break;
            case 3:
                for (int i = 0; i < row.Length; i++) row[i] += (byte)(((i >= bpp ? row[i - bpp] : 0) + above[i]) / 2);
                break;
            case 4:
                for (int i = 0; i < row.Length; i++) row[i] += (byte)Paeth(i >= bpp ? row[i - bpp] : 0, above[i], i >= bpp ? above[i - bpp] : 0);
                break;
            default:
                throw bad($"is corrupt: row {y + 1} has the unknown filter type {filter}");
        }
    }
}
