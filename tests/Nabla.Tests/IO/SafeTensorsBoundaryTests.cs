using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Nabla.IO;
using Nabla.NN;

namespace Nabla.Tests.IO;

public sealed class SafeTensorsBoundaryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nabla-boundary-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Build(byte[] json, int dataBytes)
    {
        int padded = (json.Length + 7) / 8 * 8;
        var bytes = new byte[8 + padded + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
        json.CopyTo(bytes, 8);
        for (int i = 8 + json.Length; i < 8 + padded; i++) bytes[i] = (byte)' ';
        return bytes;
    }

    private static byte[] Build(string json, int dataBytes) => Build(Encoding.UTF8.GetBytes(json), dataBytes);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Saved(Dictionary<string, Tensor> tensors)
    {
        using var memory = new MemoryStream();
        SafeTensors.Save(memory, tensors);
        return memory.ToArray();
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void NonFiniteWeightsAreRejectedNamingFileTensorAndElement(DType dtype)
    {
        var weight = Tensor.FromArray(new[] { 1.0, 2.0, double.PositiveInfinity, 4.0 }, 2, 2).To(dtype);
        string path = Write("w.safetensors", Saved(new() { ["layer.weight"] = weight }));
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("tensor 'layer.weight': element 2 (index [1, 0]) is +Inf", e.Message);
        Assert.Contains("allowNonFinite", e.Message);
        Assert.Equal(double.PositiveInfinity, SafeTensors.Load(path, allowNonFinite: true).Tensors["layer.weight"].ItemAt(1, 0));
    }

    [Fact]
    public void HalfPrecisionNaNIsRejectedToo()
    {
        // F16 0x7E00 is NaN.
        var bytes = Build("{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4);
        bytes[^2] = 0x00;
        bytes[^1] = 0x7E;
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(new MemoryStream(bytes)));
        Assert.Contains("element 1 (index [1]) is NaN", e.Message);
    }

    [Fact]
    public void LoadStateDictRejectsNonFiniteValuesUnlessAllowed()
    {
        var model = new Linear(2, 2);
        var state = model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Detach().Clone());
        state["bias"] = Tensor.FromArray([0f, float.NaN]);
        var before = model.StateDict()["weight"].ToArray<float>();
        var e = Assert.Throws<ArgumentException>(() => model.LoadStateDict(state));
        Assert.Contains("'bias' holds NaN at index [1]", e.Message);
        Assert.Contains("allowNonFinite", e.Message);
        Assert.Equal(before, model.StateDict()["weight"].ToArray<float>());
        model.LoadStateDict(state, allowNonFinite: true);
        Assert.True(float.IsNaN(model.StateDict()["bias"].ToArray<float>()[1]));
    }

    [Fact]
    public void InvalidUtf8InANameIsInvalidData()
    {
        var json = Encoding.UTF8.GetBytes("{\"a\xFF\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}".Replace("\xFF", "#", StringComparison.Ordinal));
        json[Array.IndexOf(json, (byte)'#')] = 0xFF;
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(new MemoryStream(Build(json, 4))));
        Assert.Contains("not valid UTF-8", e.Message);
    }

    [Theory]
    [InlineData("{\"a\\ud800\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"__metadata__\":{\"k\":\"v\\udc00\"},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}")]
    public void ALoneSurrogateIsInvalidData(string header)
    {
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(new MemoryStream(Build(header, 4))));
        Assert.Contains("'<stream>'", e.Message);
        Assert.DoesNotContain('\ud800', e.Message);
        Assert.DoesNotContain('\udc00', e.Message);
    }

    [Theory]
    [InlineData("dtype", "{\"a\":{\"dtype\":\"F64\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}")]
    [InlineData("shape", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"shape\":[1],\"data_offsets\":[0,4]}}")]
    [InlineData("data_offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8],\"data_offsets\":[0,4]}}")]
    public void AFieldGivenTwiceInOneEntryIsInvalidData(string field, string header)
    {
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(new MemoryStream(Build(header, 4))));
        Assert.Contains($"tensor 'a': the entry gives '{field}' twice", e.Message);
    }

    [Fact]
    public void NamesInMessagesAreEscapedAndCutShort()
    {
        string name = "\\u001b]0;pwned\\u0007" + new string('x', 300);
        var e = Assert.Throws<InvalidDataException>(() =>
            SafeTensors.Load(new MemoryStream(Build("{\"" + name + "\":{\"dtype\":\"Q8\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4))));
        Assert.DoesNotContain('\u001b', e.Message);
        Assert.DoesNotContain('\u0007', e.Message);
        Assert.Contains("\\u001b]0;pwned\\u0007", e.Message);
        Assert.InRange(e.Message.Length, 0, 400);
    }

    [Fact]
    public void AForwardOnlyStreamIsReadWithoutTrustingItsHeader()
    {
        var valid = Saved(new() { ["w"] = Tensor.Ones(4, 4) });
        Assert.Equal(16, SafeTensors.Load(new ForwardOnly(valid)).Tensors["w"].Numel);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(new ForwardOnly(valid[..^3])));
        Assert.Contains("truncated", e.Message);
        // A header that claims 100 MB over a stream of a few bytes: memory follows what arrives.
        var claim = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(claim, SafeTensors.MaxHeaderBytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(new ForwardOnly(claim)));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 1 << 20);
        Assert.Contains("truncated", e.Message);
        // A valid file followed by an endless stream (a file on /dev/zero's heels) is refused after one more byte.
        e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(new ForwardOnly(valid, endlessZeros: true)));
        Assert.Contains("goes on past", e.Message);
    }

    [Fact]
    public async Task ANamedPipeLoadsLikeAFile()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/mkfifo")) return;
        string fifo = Path.Combine(_dir, "model.pipe");
        using (var mk = Process.Start("/usr/bin/mkfifo", [fifo])) mk.WaitForExit();
        var valid = Saved(new() { ["w"] = Tensor.Full([3], 2.5) });
        // Opening a FIFO blocks until the other end opens, so the writer runs on its own thread.
        var writer = Task.Run(() => File.WriteAllBytes(fifo, valid));
        var loaded = SafeTensors.Load(fifo);
        await writer;
        Assert.Equal(new[] { 2.5f, 2.5f, 2.5f }, loaded.Tensors["w"].ToArray<float>());
    }

    /// <summary>A stream that cannot seek, returning a few bytes per read, optionally followed by zeros without end.</summary>
    private sealed class ForwardOnly(byte[] data, bool endlessZeros = false) : Stream
    {
        private int _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(count, 4096);
            if (_position >= data.Length)
            {
                if (!endlessZeros) return 0;
                Array.Clear(buffer, offset, n);
                return n;
            }
            n = Math.Min(n, data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
