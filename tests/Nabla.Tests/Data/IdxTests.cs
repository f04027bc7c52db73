using System.Buffers.Binary;
using System.IO.Compression;
using Nabla.Data;

namespace Nabla.Tests.Data;

public sealed class IdxTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>An IDX file built byte by byte: magic, big-endian dims, then the payload.</summary>
    private static byte[] IdxBytes(byte type, int[] dims, byte[] payload, int? claimedRank = null)
    {
        var bytes = new List<byte> { 0, 0, type, (byte)(claimedRank ?? dims.Length) };
        foreach (int d in dims)
        {
            var b = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(b, d);
            bytes.AddRange(b);
        }
        bytes.AddRange(payload);
        return bytes.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Optimal)) gz.Write(data);
        return output.ToArray();
    }

    private string Save(string name, byte[] bytes)
    {
        string path = _dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Reads the file and returns the exception, checking that the reader allocated far less than the header claims.</summary>
    private static InvalidDataException ReadFails(string path)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 1 << 20);
        Assert.Contains(path, e.Message);
        return e;
    }

    [Fact]
    public void ReadsHandBuiltFilesOfEveryType()
    {
        var ubyte = Idx.Read(Save("u.idx", IdxBytes(0x08, [2, 3], [0, 1, 2, 253, 254, 255])));
        Assert.Equal(DType.Int64, ubyte.DType);
        Assert.Equal([2, 3], ubyte.Shape);
        Assert.Equal(new long[] { 0, 1, 2, 253, 254, 255 }, ubyte.ToArray<long>());
        Assert.Equal(new long[] { -128, -1, 127 }, Idx.Read(Save("s.idx", IdxBytes(0x09, [3], [0x80, 0xFF, 0x7F]))).ToArray<long>());
        Assert.Equal(new long[] { -2, 258 }, Idx.Read(Save("i16.idx", IdxBytes(0x0B, [2], [0xFF, 0xFE, 0x01, 0x02]))).ToArray<long>());
        Assert.Equal(new long[] { 16909060 }, Idx.Read(Save("i32.idx", IdxBytes(0x0C, [1], [1, 2, 3, 4]))).ToArray<long>());
        var f32 = Idx.Read(Save("f32.idx", IdxBytes(0x0D, [1, 1], [0x3F, 0xC0, 0, 0])));
        Assert.Equal(DType.Float32, f32.DType);
        Assert.Equal(1.5f, f32.ToArray<float>()[0]);
        var f64 = Idx.Read(Save("f64.idx", IdxBytes(0x0E, [1], [0xC0, 0x04, 0, 0, 0, 0, 0, 0])));
        Assert.Equal(DType.Float64, f64.DType);
        Assert.Equal(-2.5, f64.Item());
        Assert.Equal(new float[] { 0, 1, 2, 253, 254, 255 }, Idx.Read(_dir.File("u.idx"), DType.Float32).ToArray<float>());
    }

    [Theory]
    [InlineData(IdxType.UByte, "raw.idx")]
    [InlineData(IdxType.SByte, "raw.idx.gz")]
    [InlineData(IdxType.Int16, "raw.idx")]
    [InlineData(IdxType.Int32, "raw.idx.gz")]
    [InlineData(IdxType.Float32, "raw.idx")]
    [InlineData(IdxType.Float64, "raw.idx.gz")]
    public void WriteThenReadRoundTrips(IdxType type, string name)
    {
        var values = type switch
        {
            IdxType.UByte => new double[] { 0, 7, 255, 128, 1, 2 },
            IdxType.SByte => new double[] { -128, -1, 0, 1, 127, 5 },
            IdxType.Int16 => new double[] { -32768, 32767, 0, -1, 300, 2 },
            IdxType.Int32 => new double[] { int.MinValue, int.MaxValue, 0, -1, 70000, 2 },
            IdxType.Float32 => new double[] { 0.5, -1.25, 3e10, -0.0, 1e-20, 2 },
            _ => new double[] { Math.PI, -Math.E, 1e300, 0, -1e-300, 2 },
        };
        var tensor = Tensor.FromArray(values, 1, 2, 3);
        string path = _dir.File(name);
        Idx.Write(path, tensor, type);
        Assert.Equal(name.EndsWith(".gz"), File.ReadAllBytes(path)[0] == 0x1F);
        var read = Idx.Read(path, DType.Float64);
        Assert.Equal([1, 2, 3], read.Shape);
        Assert.Equal(type == IdxType.Float32 ? values.Select(v => (double)(float)v) : values, read.ToArray<double>());
    }

    [Fact]
    public void GzipIsDetectedFromTheContentNotTheName()
    {
        var bytes = IdxBytes(0x08, [4], [9, 8, 7, 6]);
        Assert.Equal(new long[] { 9, 8, 7, 6 }, Idx.Read(Save("no-extension", Gzip(bytes))).ToArray<long>());
        Assert.Equal(new long[] { 9, 8, 7, 6 }, Idx.Read(Save("misnamed.gz", bytes)).ToArray<long>());
    }

    [Fact]
    public void RejectsABadMagicNumber()
    {
        var e = ReadFails(Save("bad.idx", [0x01, 0x00, 0x08, 0x01, 0, 0, 0, 1, 5]));
        Assert.Contains("found 01000801", e.Message);
        Assert.Contains("type code", ReadFails(Save("type.idx", IdxBytes(0x0A, [1], [0]))).Message);
        Assert.Contains("claims 9 dims", ReadFails(Save("rank.idx", IdxBytes(0x08, [1, 1, 1, 1, 1, 1, 1, 1, 1], [0]))).Message);
        Assert.Contains("claims 0 dims", ReadFails(Save("rank0.idx", IdxBytes(0x08, [], [0]))).Message);
        Assert.Contains("ends after 2 bytes", ReadFails(Save("short.idx", [0, 0])).Message);
    }

    [Fact]
    public void RejectsDimsThatCannotBeRight()
    {
        var e = ReadFails(Save("zero.idx", IdxBytes(0x08, [3, 0], [])));
        Assert.Contains("dim 1 of size 0", e.Message);
        e = ReadFails(Save("negative.idx", IdxBytes(0x08, [-1], [])));
        Assert.Contains("dim 0 of size 4294967295", e.Message);
        e = ReadFails(Save("overflow.idx", IdxBytes(0x0E, [int.MaxValue, int.MaxValue], [1, 2, 3])));
        Assert.Contains("[2147483647, 2147483647]", e.Message);
        e = ReadFails(Save("overflow.idx.gz", Gzip(IdxBytes(0x08, [int.MaxValue, int.MaxValue, 2], [1, 2, 3]))));
        Assert.Contains("more than the 2147483647 elements", e.Message);
        e = ReadFails(Save("header.idx", IdxBytes(0x08, [5], [], claimedRank: 3)));
        Assert.Contains("ends inside its header", e.Message);
    }

    [Fact]
    public void RejectsTruncatedAndOverlongRawFilesBeforeAllocating()
    {
        var e = ReadFails(Save("truncated.idx", IdxBytes(0x0E, [10_000, 10_000], new byte[100])));
        Assert.Contains("is 112 bytes, but its header implies 800000012", e.Message);
        Assert.Contains("truncated", e.Message);
        e = ReadFails(Save("long.idx", IdxBytes(0x08, [2], [1, 2, 3])));
        Assert.Contains("longer than its header says", e.Message);
    }

    [Fact]
    public void RejectsTruncatedAndCorruptGzipFiles()
    {
        var full = Gzip(IdxBytes(0x0D, [100, 100], new byte[40_000]));
        var e = ReadFails(Save("cut.idx.gz", full[..(full.Length - 6)]));
        Assert.Contains("cut.idx.gz", e.Message);
        var cutKeepingTrailer = full[..(full.Length / 2)].Concat(full[^8..]).ToArray();
        e = ReadFails(Save("cut2.idx.gz", cutKeepingTrailer));
        Assert.Contains("cut2.idx.gz", e.Message);
        var liar = Gzip(IdxBytes(0x0E, [10_000, 10_000], new byte[64]));
        e = ReadFails(Save("liar.idx.gz", liar));
        Assert.Contains("implies 800000012 decompressed bytes", e.Message);
        Assert.Contains("more than 256 times its size", e.Message);
        var flipped = (byte[])full.Clone();
        for (int i = 20; i < 40; i++) flipped[i] ^= 0x5A;
        ReadFails(Save("flipped.idx.gz", flipped));
    }

    /// <summary>Gzip of an IDX header followed by <paramref name="zeros"/> zero bytes, compressed as a stream without the plain bytes in memory.</summary>
    private static byte[] GzipZeros(byte type, int[] dims, long zeros)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest))
        {
            gz.Write(IdxBytes(type, dims, []));
            var block = new byte[1 << 16];
            for (long left = zeros; left > 0; left -= block.Length) gz.Write(block, 0, (int)Math.Min(block.Length, left));
        }
        return output.ToArray();
    }

    [Fact]
    public void AGzipBombIsRejectedWithoutItsMemory()
    {
        // 16 MB of zeros compress to about 16 KB; each header lies in a different way about what follows.
        var huge = GzipZeros(0x08, [60_000, 28, 28], 16 << 20);
        var e = ReadFails(Save("huge.idx.gz", huge));
        Assert.Contains("more than 256 times its size", e.Message);
        // The header claims a little: inflating stops one byte past it instead of expanding all 16 MB.
        e = ReadFails(Save("long.idx.gz", GzipZeros(0x08, [1000], 16 << 20)));
        Assert.Contains("holds more data than its header implies", e.Message);
        // With the ratio check lifted, a header that claims 256 MB over 1 MB of data costs memory for the data, not the claim.
        var shortData = GzipZeros(0x0D, [64, 1024, 1024], 1 << 20);
        long before = GC.GetAllocatedBytesForCurrentThread();
        e = Assert.Throws<InvalidDataException>(() => Idx.Read(Save("short.idx.gz", shortData), maxGzipExpansion: int.MaxValue));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 8 << 20);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void ElementCountsNearIntMaxValueDoNotWrapTheReadOffset()
    {
        // 2³¹ − 1 ubyte elements: the header is legal, the file is far too short; the error comes before any allocation.
        var e = ReadFails(Save("max.idx", IdxBytes(0x08, [int.MaxValue], new byte[16])));
        Assert.Contains("truncated", e.Message);
        e = ReadFails(Save("max.idx.gz", Gzip(IdxBytes(0x08, [int.MaxValue], new byte[16]))));
        Assert.Contains("times its size", e.Message);
    }

    [Fact]
    public void ReadsConcatenatedGzipMembersAsOneStream()
    {
        var bytes = IdxBytes(0x08, [2, 3], [1, 2, 3, 4, 5, 6]);
        var twoMembers = Gzip(bytes[..7]).Concat(Gzip(bytes[7..])).ToArray();
        var t = Idx.Read(Save("two.idx.gz", twoMembers));
        Assert.Equal([2, 3], t.Shape);
        Assert.Equal(new long[] { 1, 2, 3, 4, 5, 6 }, t.ToArray<long>());
    }

    [Theory]
    [InlineData(0x0D, false)]
    [InlineData(0x0E, false)]
    [InlineData(0x0D, true)]
    [InlineData(0x0E, true)]
    public void RejectsNonFiniteFloatsNamingTheElementUnlessAllowed(byte type, bool gzip)
    {
        var values = Tensor.FromArray(new[] { 1.0, 2.0, 3.0, double.NaN, 5.0, double.PositiveInfinity }, 2, 3);
        string path = _dir.File(gzip ? "nan.idx.gz" : "nan.idx");
        Idx.Write(path, values, (IdxType)type);
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("element 3 (index [1, 0]) is NaN", e.Message);
        Assert.Contains("allowNonFinite", e.Message);
        Assert.Throws<InvalidDataException>(() => Idx.Read(path, DType.Int64));
        var read = Idx.Read(path, DType.Float64, allowNonFinite: true).ToArray<double>();
        Assert.True(double.IsNaN(read[3]));
        Assert.Equal(double.PositiveInfinity, read[5]);
    }

    [Fact]
    public void ReportsAMissingFile()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Idx.Read(_dir.File("absent.idx")));
        Assert.Contains("absent.idx", e.Message);
    }

    [Fact]
    public void WriteRejectsValuesOutsideTheType()
    {
        var e = Assert.Throws<ArgumentException>(() => Idx.Write(_dir.File("x.idx"), Tensor.FromArray(new float[] { 1, 256 }), IdxType.UByte));
        Assert.Contains("element 1 (256)", e.Message);
        Assert.Throws<ArgumentException>(() => Idx.Write(_dir.File("x.idx"), Tensor.FromArray(new float[] { 0.5f }), IdxType.Int32));
        Assert.Throws<ArgumentException>(() => Idx.Write(_dir.File("x.idx"), Tensor.Scalar(1), IdxType.Int32));
    }
}
