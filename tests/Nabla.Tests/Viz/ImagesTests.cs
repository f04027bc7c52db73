using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json;
using Nabla.IO;
using Nabla.Tests.Data;
using Nabla.Tests.Golden;
using Nabla.Viz;

namespace Nabla.Tests.Viz;

/// <summary>Image grids and PNG files against torchvision's make_grid and save_image (tests/golden/images.json).</summary>
public class ImagesTests
{
    public static TheoryData<string> Cases => GoldenFixture.Names("images.json");

    [Theory]
    [MemberData(nameof(Cases))]
    public void GridAndFileMatchTorchvision(string name)
    {
        var c = GoldenFixture.Entry("images.json", name);
        var dtype = c.GetProperty("dtype").GetString() == "float64" ? DType.Float64 : DType.Float32;
        var input = ToTensor(c.GetProperty("input")).To(dtype);
        var a = c.GetProperty("args");
        int nrow = a.TryGetProperty("nrow", out var nr) ? nr.GetInt32() : 8;
        int padding = a.TryGetProperty("padding", out var pd) ? pd.GetInt32() : 2;
        bool normalize = a.TryGetProperty("normalize", out var nz) && nz.GetBoolean();
        bool scaleEach = a.TryGetProperty("scale_each", out var se) && se.GetBoolean();
        double padValue = a.TryGetProperty("pad_value", out var pv) ? pv.GetDouble() : 0;
        (double, double)? range = a.TryGetProperty("value_range", out var vr) ? (vr[0].GetDouble(), vr[1].GetDouble()) : null;

        var grid = Images.MakeGrid(input, nrow, padding, normalize, range, scaleEach, padValue);
        var expectedGrid = c.GetProperty("grid");
        Assert.Equal(expectedGrid.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()), grid.Shape);
        var expected = expectedGrid.GetProperty("data").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var actual = grid.ToDoubleArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6, $"{name}: grid element {i} is {actual[i]}, expected {expected[i]}");

        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "grid.png");
        Images.SaveImage(input, path, nrow, padding, normalize, range, scaleEach, padValue);
        var (width, height, channels, pixels) = Decode(File.ReadAllBytes(path));
        var png = c.GetProperty("png");
        Assert.Equal(png.GetProperty("width").GetInt32(), width);
        Assert.Equal(png.GetProperty("height").GetInt32(), height);
        Assert.Equal(png.GetProperty("mode").GetString() == "RGBA" ? 4 : 3, channels);
        Assert.Equal(png.GetProperty("pixels").EnumerateArray().Select(v => (byte)v.GetInt32()).ToArray(), pixels);
    }

    [Fact]
    public void NonFiniteValuesAndBadShapesAreRefused()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "x.png");
        var images = Tensor.Zeros([2, 1, 3, 3]);
        images[1, 0, 2, 1] = double.NaN;
        var e = Assert.Throws<ArgumentException>(() => Images.SaveImage(images, path));
        Assert.Contains("NaN at row 4, column 8, channel 0", e.Message);
        Assert.False(File.Exists(path));
        Assert.Contains("PNG holds 1 to 4 channels", Assert.Throws<ArgumentException>(() => Images.SaveImage(Tensor.Zeros([2, 5, 3, 3]), path)).Message);
        Assert.Contains("expected non-empty images", Assert.Throws<ArgumentException>(() => Images.MakeGrid(Tensor.Zeros([7]))).Message);
        Assert.Contains("needs 12 bytes, got 11", Assert.Throws<ArgumentException>(() => Png.Write(new MemoryStream(), new byte[11], 2, 2, PngColor.Rgb)).Message);
    }

    [Fact]
    public void EveryColorTypeRoundTrips()
    {
        var r = new Random(3);
        foreach (var color in Enum.GetValues<PngColor>())
        {
            int width = 7, height = 5, channels = (int)color;
            var pixels = new byte[width * height * channels];
            r.NextBytes(pixels);
            using var stream = new MemoryStream();
            Png.Write(stream, pixels, width, height, color);
            var decoded = Decode(stream.ToArray());
            Assert.Equal((width, height, channels), (decoded.Width, decoded.Height, decoded.Channels));
            Assert.Equal(pixels, decoded.Pixels);
        }
    }

    private static Tensor ToTensor(JsonElement t) =>
        Tensor.FromArray(t.GetProperty("data").EnumerateArray().Select(v => v.GetDouble()).ToArray())
            .Reshape(t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray());

    /// <summary>A minimal PNG reader for 8-bit non-interlaced files: checks every chunk's CRC and undoes the row filters.</summary>
    private static (int Width, int Height, int Channels, byte[] Pixels) Decode(byte[] file)
    {
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, file[..8]);
        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (int at = 8; at < file.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
            string type = System.Text.Encoding.ASCII.GetString(file, at + 4, 4);
            var data = file.AsSpan(at + 8, length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at + 8 + length));
            Assert.Equal(crc, Png.Crc(0xFFFFFFFFu, file.AsSpan(at + 4, 4 + length)) ^ 0xFFFFFFFFu);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.Equal(8, data[8]);
                channels = data[9] switch { 0 => 1, 4 => 2, 2 => 3, 6 => 4, var t => throw new InvalidDataException($"color type {t}") };
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }
            at += 12 + length;
        }
        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
        int stride = width * channels;
        var pixels = new byte[height * stride];
        var row = new byte[stride + 1];
        for (int y = 0; y < height; y++)
        {
            zlib.ReadExactly(row);
            for (int i = 0; i < stride; i++)
            {
                int left = i >= channels ? pixels[y * stride + i - channels] : 0;
                int up = y > 0 ? pixels[(y - 1) * stride + i] : 0;
                int upLeft = y > 0 && i >= channels ? pixels[(y - 1) * stride + i - channels] : 0;
                int p = left + up - upLeft;
                int predictor = row[0] switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    _ => Math.Abs(p - left) <= Math.Abs(p - up) && Math.Abs(p - left) <= Math.Abs(p - upLeft) ? left : Math.Abs(p - up) <= Math.Abs(p - upLeft) ? up : upLeft,
                };
                pixels[y * stride + i] = (byte)(row[1 + i] + predictor);
            }
        }
        return (width, height, channels, pixels);
    }
}
