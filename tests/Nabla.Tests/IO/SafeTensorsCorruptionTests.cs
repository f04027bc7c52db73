using System.Buffers.Binary;
using System.Text;
using Nabla.IO;

namespace Nabla.Tests.IO;

public sealed class SafeTensorsCorruptionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nabla-corrupt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A file with the given header JSON (space-padded to a multiple of 8) and <paramref name="dataBytes"/> bytes of data.</summary>
    private static byte[] Build(string header, int dataBytes, ulong? declaredHeaderLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header.PadRight((header.Length + 7) / 8 * 8));
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredHeaderLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        for (int i = 8 + json.Length; i < bytes.Length; i++) bytes[i] = (byte)i;
        return bytes;
    }

    private InvalidDataException LoadFails(byte[] bytes, params string[] fragments)
    {
        string path = Path.Combine(_dir, "bad.safetensors");
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.Contains(path, ex.Message);
        foreach (var fragment in fragments) Assert.Contains(fragment, ex.Message);
        return ex;
    }

    private const string Valid = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[8,16]}}";

    [Fact]
    public void TheValidBaselineLoads()
    {
        string path = Path.Combine(_dir, "good.safetensors");
        File.WriteAllBytes(path, Build(Valid, 16));
        var file = SafeTensors.Load(path);
        Assert.Equal(["a", "b"], file.Tensors.Keys);
    }

    [Fact]
    public void FileShorterThanTheLengthPrefix() => LoadFails([1, 2, 3], "3 bytes long", "too short");

    [Fact]
    public void HeaderLengthLargerThanTheFile() => LoadFails(Build(Valid, 16, declaredHeaderLength: 1000), "header length 1000 exceeds the");

    [Fact]
    public void HeaderLengthOfTwoToTheSixtyThird() => LoadFails(Build(Valid, 16, declaredHeaderLength: 1UL << 63), "header length 9223372036854775808");

    [Fact]
    public void HeaderLengthAboveTheLimitIsRejectedBeforeReading()
    {
        string path = Path.Combine(_dir, "huge.safetensors");
        using (var f = File.Create(path))
        {
            var prefix = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, SafeTensors.MaxHeaderBytes + 8UL);
            f.Write(prefix);
            f.SetLength(8L + SafeTensors.MaxHeaderBytes + 8);
        }
        var ex = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.Contains("exceeds the limit of 100000000 bytes", ex.Message);
    }

    [Fact]
    public void InvalidJson() => LoadFails(Build("{\"a\": {\"dtype\": \"F32\",", 0), "not valid JSON");

    [Fact]
    public void HeaderThatIsNotAnObject() => LoadFails(Build("[1, 2]", 0), "does not start with '{'");

    [Fact]
    public void OffsetsOutOfRange() =>
        LoadFails(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[16],\"data_offsets\":[0,64]}}", 16), "tensor 'a'", "outside the data section of 16 bytes");

    [Fact]
    public void OverlappingOffsets() =>
        LoadFails(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24),
            "tensor 'b'", "overlap tensor 'a'");

    [Fact]
    public void GapBetweenTensors() =>
        LoadFails(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12),
            "tensor 'b'", "leave bytes [4, 8)");

    [Fact]
    public void TrailingBytesNotCoveredByAnyTensor() =>
        LoadFails(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12), "cover 4 bytes but the data section holds 12");

    [Fact]
    public void WrongByteCountForTheShape() =>
        LoadFails(Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20), "tensor 'w'", "hold 20 bytes", "needs 24 bytes");

    [Fact]
    public void UnknownDType() =>
        LoadFails(Build("{\"z\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8), "tensor 'z'", "unknown or unsupported dtype 'C64'");

    [Fact]
    public void NegativeDimension() =>
        LoadFails(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1,4],\"data_offsets\":[0,16]}}", 16), "tensor 'a'", "not an integer in [0,");

    [Fact]
    public void ShapeWithMoreElementsThanATensorHolds() =>
        LoadFails(Build("{\"a\":{\"dtype\":\"U8\",\"shape\":[65536,65536],\"data_offsets\":[0,16]}}", 16), "tensor 'a'", "more than 2147483647 elements");

    [Fact]
    public void OffsetsEndingBeforeTheyBegin() =>
        LoadFails(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", 8), "tensor 'a'", "end before they begin");

    [Fact]
    public void MissingOffsets() =>
        LoadFails(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "tensor 'a'", "'data_offsets' is missing");

    [Fact]
    public void DuplicateTensorName() =>
        LoadFails(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8),
            "names 'a' twice");

    [Fact]
    public void MetadataThatIsNotStrings() =>
        LoadFails(Build("{\"__metadata__\":{\"epoch\":3}}", 0), "'__metadata__' entry 'epoch' is a JSON Number");

    [Fact]
    public void TruncatedData()
    {
        using var memory = new MemoryStream();
        SafeTensors.Save(memory, new Dictionary<string, Tensor> { ["weight"] = Tensor.Ones(4, 4) });
        var whole = memory.ToArray();
        LoadFails(whole[..^4], "tensor 'weight'", "outside the data section", "truncated");
    }

    [Fact]
    public void TruncatedHeader()
    {
        using var memory = new MemoryStream();
        SafeTensors.Save(memory, new Dictionary<string, Tensor> { ["weight"] = Tensor.Ones(4, 4) });
        LoadFails(memory.ToArray()[..40], "exceeds the", "truncated");
    }

    [Fact]
    public void StreamErrorsNameTheStream()
    {
        var ex = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(new MemoryStream(Build("{oops}", 0))));
        Assert.Contains("'<stream>'", ex.Message);
    }
}
