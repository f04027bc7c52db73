using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Nabla.IO;

namespace Nabla.Tests.IO;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nabla-safetensors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static Dictionary<string, Tensor> AllKinds() => new()
    {
        ["f32"] = Tensor.FromArray([1.5f, -2f, 3.25f, float.MaxValue, float.Epsilon, -0f], 2, 3),
        ["f64"] = Tensor.FromArray([Math.PI, -1e-300, double.NaN, double.NegativeInfinity], 4),
        ["i64"] = Tensor.FromArray([long.MinValue, -1L, 0L, long.MaxValue], 2, 2),
        ["scalar_f32"] = Tensor.Scalar(7.5),
        ["scalar_i64"] = Tensor.Scalar(42, DType.Int64),
        ["empty_f64"] = Tensor.Zeros([0, 3], DType.Float64),
        ["empty_i64"] = Tensor.Zeros([2, 0], DType.Int64),
        ["transposed"] = Tensor.Arange(0, 12, 1, DType.Float32).Reshape(3, 4).T,
        ["narrowed"] = Tensor.Arange(0, 20, 1, DType.Float64).Reshape(4, 5).Narrow(1, 1, 3),
        ["expanded"] = Tensor.FromArray([1L, 2L, 3L]).Unsqueeze(0).Expand(2, 3),
        ["param"] = Tensor.Randn([3, 2], DType.Float32, new Generator(1), requiresGrad: true),
    };

    private static void AssertSameTensor(Tensor expected, Tensor actual, string name)
    {
        Assert.True(expected.DType == actual.DType, $"{name}: dtype {actual.DType}, expected {expected.DType}");
        Assert.Equal(expected.Shape, actual.Shape);
        // The core reports some empty shapes such as [2, 0] as non-contiguous; they hold no data either way.
        Assert.True(actual.IsContiguous || actual.Numel == 0, name);
        Assert.True(actual.IsLeaf && !actual.RequiresGrad, name);
        switch (expected.DType)
        {
            // Bit patterns, so that NaN and -0 count as equal only to themselves.
            case DType.Float32:
                Assert.Equal(expected.ToArray<float>().Select(BitConverter.SingleToInt32Bits), actual.ToArray<float>().Select(BitConverter.SingleToInt32Bits));
                break;
            case DType.Float64:
                Assert.Equal(expected.ToArray<double>().Select(BitConverter.DoubleToInt64Bits), actual.ToArray<double>().Select(BitConverter.DoubleToInt64Bits));
                break;
            default:
                Assert.Equal(expected.ToArray<long>(), actual.ToArray<long>());
                break;
        }
    }

    [Fact]
    public void EveryDtypeIsSavedInItsOwnFileDtypeAndReadBackAsItself()
    {
        var tensors = new Dictionary<string, Tensor>
        {
            ["bool"] = Tensor.FromArray([true, false, true], 3),
            ["u8"] = Tensor.FromArray(new byte[] { 0, 7, 255 }, 3),
            ["i32"] = Tensor.FromArray([int.MinValue, -1, int.MaxValue], DType.Int32, 3),
            ["f16"] = Tensor.FromArray([1.5, -2, 65504], 3).To(DType.Float16),
            ["bf16"] = Tensor.FromArray([1.5, -2, 3.0e38], 3).To(DType.BFloat16).Reshape(3, 1).T,
        };
        string path = PathOf("dtypes.safetensors");
        SafeTensors.Save(path, tensors);
        var bytes = File.ReadAllBytes(path);
        var header = System.Text.Encoding.UTF8.GetString(bytes, 8, (int)BitConverter.ToUInt64(bytes, 0));
        foreach (var name in new[] { "\"BOOL\"", "\"U8\"", "\"I32\"", "\"F16\"", "\"BF16\"" }) Assert.Contains(name, header);
        var loaded = SafeTensors.Load(path).Tensors;
        foreach (var (name, tensor) in tensors)
        {
            Assert.Equal(tensor.DType, loaded[name].DType);
            Assert.Equal(tensor.Shape, loaded[name].Shape);
        }
        Assert.Equal([true, false, true], loaded["bool"].ToArray<bool>());
        Assert.Equal(new byte[] { 0, 7, 255 }, loaded["u8"].ToArray<byte>());
        Assert.Equal([int.MinValue, -1, int.MaxValue], loaded["i32"].ToArray<int>());
        Assert.Equal([1.5, -2, 65504], loaded["f16"].ToDoubleArray());
        Assert.Equal(tensors["bf16"].ToDoubleArray(), loaded["bf16"].ToDoubleArray());
    }

    [Fact]
    public void ABoolByteOtherThanZeroOrOneIsRejected()
    {
        string path = PathOf("bool.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["mask"] = Tensor.FromArray([true, false, true], 3) });
        var bytes = File.ReadAllBytes(path);
        bytes[^2] = 2;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.Contains("tensor 'mask': element 1 (index [1]) is the byte 2; a BOOL element must be 0 or 1", e.Message);
    }

    [Fact]
    public void BFloat16InfinityIsRejectedUnlessAllowed()
    {
        string path = PathOf("bf16.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = Tensor.FromArray([1.0, double.NegativeInfinity], 2).To(DType.BFloat16) });
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.Contains("tensor 'w': element 1 (index [1]) is -Inf", e.Message);
        Assert.Equal(double.NegativeInfinity, SafeTensors.Load(path, allowNonFinite: true).Tensors["w"].ItemAt(1));
    }

    [Fact]
    public void RoundTripsEveryDTypeShapeAndLayoutThroughAFile()
    {
        var tensors = AllKinds();
        Assert.False(tensors["transposed"].IsContiguous);
        Assert.False(tensors["narrowed"].IsContiguous);
        Assert.False(tensors["expanded"].IsContiguous);
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcödé \"quoted\" <tag>" };
        string path = PathOf("all.safetensors");

        SafeTensors.Save(path, tensors, metadata);
        var loaded = SafeTensors.Load(path, allowNonFinite: true);

        Assert.Equal(tensors.Keys.Order(), loaded.Tensors.Keys.Order());
        foreach (var (name, expected) in tensors) AssertSameTensor(expected, loaded.Tensors[name], name);
        Assert.Equal(metadata.OrderBy(kv => kv.Key), loaded.Metadata.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void RoundTripsThroughStreams()
    {
        var tensors = AllKinds();
        using var memory = new MemoryStream();
        memory.Write("prefix"u8);
        SafeTensors.Save(memory, tensors);

        memory.Position = 6;
        var fromSeekable = SafeTensors.Load(memory, allowNonFinite: true);
        var fromPipe = SafeTensors.Load(new ForwardOnlyStream(memory.ToArray()[6..]), allowNonFinite: true);

        foreach (var (name, expected) in tensors)
        {
            AssertSameTensor(expected, fromSeekable.Tensors[name], name);
            AssertSameTensor(expected, fromPipe.Tensors[name], name);
        }
        Assert.Empty(fromSeekable.Metadata);
    }

    [Fact]
    public void WritesTheReferenceLayout()
    {
        // Eight-byte dtypes first, then by name; header padded with spaces to a multiple of 8.
        var tensors = new Dictionary<string, Tensor>
        {
            ["b"] = Tensor.FromArray([1f], 1),
            ["a"] = Tensor.Scalar(5, DType.Int64),
            ["c"] = Tensor.FromArray([2.0], 1),
        };
        using var memory = new MemoryStream();
        SafeTensors.Save(memory, tensors, new Dictionary<string, string> { ["k"] = "v" });
        var bytes = memory.ToArray();

        const string Json = "{\"__metadata__\":{\"k\":\"v\"},\"a\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}," +
                            "\"c\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[8,16]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[16,20]}}";
        int padded = (Json.Length + 7) / 8 * 8;
        Assert.Equal((ulong)padded, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        Assert.Equal(Json.PadRight(padded), Encoding.UTF8.GetString(bytes, 8, padded));
        Assert.Equal(8 + padded + 20, bytes.Length);
        Assert.Equal(5L, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8 + padded)));
        Assert.Equal(2.0, BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(8 + padded + 8)));
        Assert.Equal(1f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + padded + 16)));
    }

    [Fact]
    public void OutputIsDeterministicWhateverTheInsertionOrder()
    {
        var tensors = AllKinds();
        var reversed = tensors.Reverse().ToDictionary(kv => kv.Key, kv => kv.Value);
        var meta = new Dictionary<string, string> { ["x"] = "1", ["a"] = "2" };
        var metaReversed = meta.Reverse().ToDictionary(kv => kv.Key, kv => kv.Value);
        using var one = new MemoryStream();
        using var two = new MemoryStream();
        SafeTensors.Save(one, tensors, meta);
        SafeTensors.Save(two, reversed, metaReversed);
        Assert.Equal(one.ToArray(), two.ToArray());
    }

    [Fact]
    public void LoadReturnsTensorsInDataOrder()
    {
        using var memory = new MemoryStream();
        SafeTensors.Save(memory, AllKinds());
        memory.Position = 0;
        var names = SafeTensors.Load(memory, allowNonFinite: true).Tensors.Keys.ToArray();
        // Eight-byte dtypes (sorted by name) precede the four-byte ones.
        Assert.Equal(["empty_f64", "empty_i64", "expanded", "f64", "i64", "narrowed", "scalar_i64", "f32", "param", "scalar_f32", "transposed"], names);
    }

    [Fact]
    public void SaveRejectsTheReservedNameAndNullValues()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            SafeTensors.Save(new MemoryStream(), new Dictionary<string, Tensor> { ["__metadata__"] = Tensor.Zeros(1) }));
        Assert.Contains("__metadata__", ex.Message);
        var nullMeta = Assert.Throws<ArgumentException>(() =>
            SafeTensors.Save(new MemoryStream(), new Dictionary<string, Tensor>(), new Dictionary<string, string> { ["k"] = null! }));
        Assert.Contains("'k'", nullMeta.Message);
    }

    [Fact]
    public void ReadsAFileWrittenFromPyTorch()
    {
        string golden = Path.Combine(TestEnvironment.RepoRoot, "tests", "golden");
        var loaded = SafeTensors.Load(Path.Combine(golden, "torch_state.safetensors"));
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(golden, "torch_state.json")));

        var meta = expected.RootElement.GetProperty("metadata").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        Assert.Equal(meta.OrderBy(kv => kv.Key), loaded.Metadata.OrderBy(kv => kv.Key));

        var entries = expected.RootElement.GetProperty("tensors").EnumerateArray().ToArray();
        Assert.Equal(entries.Select(e => e.GetProperty("name").GetString()), loaded.Tensors.Keys);
        Assert.Equal(15, entries.Length);
        foreach (var e in entries)
        {
            string name = e.GetProperty("name").GetString()!;
            var t = loaded.Tensors[name];
            var dtype = e.GetProperty("file_dtype").GetString() switch
            {
                "F64" => DType.Float64,
                "F32" => DType.Float32,
                "F16" => DType.Float16,
                "BF16" => DType.BFloat16,
                "I32" => DType.Int32,
                "U8" => DType.UInt8,
                "BOOL" => DType.Bool,
                _ => DType.Int64,
            };
            Assert.True(dtype == t.DType, $"{name}: {t.DType}, expected {dtype}");
            Assert.Equal(e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()), t.Shape);
            var data = e.GetProperty("data").EnumerateArray();
            if (dtype.IsFloatingPoint()) Assert.Equal(data.Select(v => v.GetDouble()), t.ToDoubleArray());
            else Assert.Equal(data.Select(v => v.GetInt64()), t.To(DType.Int64).ToArray<long>());
        }
        Assert.Equal(0, loaded.Tensors["bn.num_batches_tracked"].Rank);
        Assert.Equal(loaded.Tensors["linear.weight"].T.ToDoubleArray(), loaded.Tensors["linear.weight_t"].ToDoubleArray());
    }

    [PythonNumpyFact]
    public void PythonReadsWhatNablaWrites()
    {
        var tensors = AllKinds();
        tensors.Remove("f64");
        tensors["f64"] = Tensor.FromArray([Math.PI, -1e-300, 0.1, 1e300], 2, 2);
        tensors["f32"] = Tensor.FromArray([1.5f, -2f, 3.25f, float.MaxValue, float.Epsilon, -0.1f], 2, 3);
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["epoch"] = "3" };
        string path = PathOf("interop.safetensors");
        SafeTensors.Save(path, tensors, metadata);

        string sidecar = path + ".json";
        using (var stream = File.Create(sidecar))
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            foreach (var (k, v) in metadata) json.WriteString(k, v);
            json.WriteEndObject();
            json.WriteStartObject("tensors");
            foreach (var (name, t) in tensors)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", t.DType switch { DType.Float32 => "F32", DType.Float64 => "F64", _ => "I64" });
                json.WriteStartArray("shape");
                foreach (int d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data");
                if (t.DType == DType.Int64) foreach (long v in t.ToArray<long>()) json.WriteNumberValue(v);
                else foreach (double v in t.ToDoubleArray()) json.WriteNumberValue(v);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }

        string script = Path.Combine(TestEnvironment.RepoRoot, "tests", "Nabla.Tests", "IO", "read_safetensors.py");
        var (code, output) = TestEnvironment.Run(TestEnvironment.Python, $"\"{script}\" \"{path}\" \"{sidecar}\"");
        Assert.True(code == 0, output);
        Assert.EndsWith("OK", output.Trim());
    }

    /// <summary>A readable stream that cannot seek, like a pipe or a network stream.</summary>
    private sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
