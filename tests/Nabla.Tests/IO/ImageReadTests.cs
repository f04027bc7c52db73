using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Nabla.IO;
using Nabla.Tests.Data;

namespace Nabla.Tests.IO;

public class ImageReadTests
{
    private static byte[] RandomPixels(int count, int seed)
    {
        var pixels = new byte[count];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }

    [Theory]
    [InlineData(PngColor.Gray)]
    [InlineData(PngColor.GrayAlpha)]
    [InlineData(PngColor.Rgb)]
    [InlineData(PngColor.Rgba)]
    public void PngReadsBackWhatPngWriteWrote(PngColor color)
    {
        using var dir = new TempDirectory();
        // Smooth rows favour the predicting filters, random ones filter 0, so the file mixes filter types.
        var pixels = RandomPixels(13 * 11 * (int)color, 3);
        for (int i = 0; i < 5 * 13 * (int)color; i++) pixels[i] = (byte)(i / 3);
        Png.Write(dir.File("a.png"), pixels, 13, 11, color);
        var image = Png.Read(dir.File("a.png"));
        Assert.Equal((13, 11, color), (image.Width, image.Height, image.Color));
        Assert.Equal(pixels, image.Pixels);
    }

    /// <summary>A PNG of raw scanlines (each led by its filter byte) and the chunks given, with correct CRCs.</summary>
    private static byte[] HandMadePng(int width, int height, byte bitDepth, byte colorType, byte[] scanlines, byte interlace = 0, bool end = true)
    {
        using var file = new MemoryStream();
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        (header[8], header[9], header[12]) = (bitDepth, colorType, interlace);
        Chunk(file, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) zlib.Write(scanlines);
            Chunk(file, "IDAT", compressed.ToArray());
        }
        if (end) Chunk(file, "IEND", []);
        return file.ToArray();

        static void Chunk(Stream stream, string type, byte[] data)
        {
            var head = new byte[8];
            BinaryPrimitives.WriteInt32BigEndian(head, data.Length);
            Encoding.ASCII.GetBytes(type, head.AsSpan(4));
            stream.Write(head);
            stream.Write(data);
            var crc = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(crc, Png.Crc(Png.Crc(0xFFFFFFFFu, head.AsSpan(4)), data) ^ 0xFFFFFFFFu);
            stream.Write(crc);
        }
    }

    [Fact]
    public void PngReadsSixteenBitChannelsAsTheirHighByteThroughTheUpFilter()
    {
        // 2×2 gray, 16 bits: row 0 unfiltered, row 1 filtered Up (each byte minus the byte above, mod 256).
        byte[] row0 = [0x12, 0x34, 0xF0, 0x01], row1 = [0x13, 0x00, 0x05, 0xFF];
        byte[] scanlines = [0, .. row0, 2, .. row1.Select((b, i) => (byte)(b - row0[i]))];
        var image = Png.Decode(HandMadePng(2, 2, 16, 0, scanlines));
        Assert.Equal(PngColor.Gray, image.Color);
        Assert.Equal([0x12, 0xF0, 0x13, 0x05], image.Pixels);
    }

    [Fact]
    public void BadPngsAreOneLineErrorsNamingTheFileAndTheProblem()
    {
        using var dir = new TempDirectory();
        Png.Write(dir.File("good.png"), RandomPixels(8 * 8 * 3, 1), 8, 8, PngColor.Rgb);
        var good = File.ReadAllBytes(dir.File("good.png"));
        var flipped = good.ToArray();
        flipped[40] ^= 0x10;
        var cases = new (string Name, byte[] Bytes, string Problem)[]
        {
            ("truncated.png", good[..(good.Length / 2)], "is truncated"),
            ("crc.png", flipped, "CRC"),
            ("text.png", Encoding.ASCII.GetBytes("hello, not an image"), "not a PNG file"),
            ("interlaced.png", HandMadePng(1, 1, 8, 0, [0, 7], interlace: 1), "interlaced"),
            ("palette.png", HandMadePng(1, 1, 8, 3, [0, 0]), "palette"),
            ("short.png", HandMadePng(2, 3, 8, 0, [0, 1, 2, 0, 3, 4]), "image data ends in row 3 of 3"),
            ("filter.png", HandMadePng(1, 1, 8, 0, [9, 1]), "unknown filter type 9"),
            ("noend.png", HandMadePng(1, 1, 8, 0, [0, 1], end: false), "before the IEND chunk"),
        };
        foreach (var (name, bytes, problem) in cases)
        {
            File.WriteAllBytes(dir.File(name), bytes);
            var e = Assert.Throws<InvalidDataException>(() => Png.Read(dir.File(name)));
            Assert.Contains($"'{dir.File(name)}'", e.Message);
            Assert.Contains(problem, e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    [Fact]
    public void APngThatClaimsToBeHugeIsRefusedWithoutAllocatingItsPixels()
    {
        using var dir = new TempDirectory();
        foreach (var (side, problem) in new[] { (9000, "larger than the 8192×8192 accepted"), (8192, "cannot hold a 8192×8192 image") })
        {
            File.WriteAllBytes(dir.File("huge.png"), HandMadePng(side, side, 8, 6, [0, 1, 2, 3, 4]));
            long before = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<InvalidDataException>(() => Png.Read(dir.File("huge.png")));
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
            Assert.Contains(problem, e.Message);
        }
    }

    [Fact]
    public void PgmReadsBackWhatPgmWriteWroteAndHeadersWithComments()
    {
        using var dir = new TempDirectory();
        var pixels = RandomPixels(7 * 3, 5);
        Pgm.Write(dir.File("a.pgm"), pixels, 7, 3);
        var image = Pgm.Read(dir.File("a.pgm"));
        Assert.Equal((7, 3, PngColor.Gray), (image.Width, image.Height, image.Color));
        Assert.Equal(pixels, image.Pixels);

        // Comments, 16-bit samples and a maxval other than 255: 0, 1000, 500 of 1000 become 0, 255, 128.
        File.WriteAllBytes(dir.File("b.pgm"), [.. Encoding.ASCII.GetBytes("P5 # made by hand\n3 1\n# max\n1000\n"), 0, 0, 0x03, 0xE8, 0x01, 0xF4]);
        Assert.Equal([0, 255, 128], Pgm.Read(dir.File("b.pgm")).Pixels);
    }

    [Theory]
    [InlineData("P5\n4 4\n255\n\u0001\u0002", "needs 16 bytes of pixels, but it holds 2")]
    [InlineData("P6\n1 1\n255\n\u0000\u0000\u0000", "not a binary PGM")]
    [InlineData("P5\n4 x\n255\n", "height is not a number")]
    [InlineData("P5\n4 4\n0\n", "maxval is 0")]
    [InlineData("P5\n9000 2\n255\n", "larger than the 8192×8192 accepted")]
    [InlineData("P5\n4", "is truncated")]
    [InlineData("P5\n1 1\n100\n\u00ff", "pixel 0 is 255, above its maxval 100")]
    public void BadPgmsAreOneLineErrorsNamingTheFileAndTheProblem(string content, string problem)
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("bad.pgm"), Encoding.Latin1.GetBytes(content));
        var e = Assert.Throws<InvalidDataException>(() => Pgm.Read(dir.File("bad.pgm")));
        Assert.StartsWith($"Pgm.Read: '{dir.File("bad.pgm")}' ", e.Message);
        Assert.Contains(problem, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
