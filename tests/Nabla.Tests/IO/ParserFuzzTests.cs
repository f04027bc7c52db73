using System.Text;
using Nabla.IO;
using Nabla.Optim;
using Nabla.Tests.Training;
using Nabla.Training;

namespace Nabla.Tests.IO;

/// <summary>
/// Random mutations of valid files, with a fixed seed and count: every parser must either read the file or raise its
/// documented exception (<see cref="InvalidDataException"/>), and no case may allocate more than a bound.
/// </summary>
[Collection(GlobalStateCollection.Name)]
public sealed class ParserFuzzTests : IDisposable
{
    private const int Cases = 300;
    private const long MaxBytesPerCase = 32L << 20;

    private readonly string _dir = Directory.CreateTempSubdirectory("nabla-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A bit flip, a truncation, an inserted run of bytes, a deleted run, or an overwritten 8-byte field.</summary>
    private static byte[] Mutate(byte[] valid, Random random)
    {
        var bytes = valid.ToList();
        int edits = 1 + random.Next(3);
        for (int k = 0; k < edits && bytes.Count > 0; k++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: bytes.RemoveRange(at, bytes.Count - at); break;
                case 2: bytes.InsertRange(at, Enumerable.Range(0, 1 + random.Next(16)).Select(_ => (byte)random.Next(256))); break;
                case 3: bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(16))); break;
                case 4: bytes[at] = (byte)"\"{}[],:-0123456789eE.\\\0\xff"[random.Next(24)]; break;
                default:
                    var field = new byte[8];
                    random.NextBytes(field);
                    if (random.Next(2) == 0) Array.Clear(field, 4, 4);
                    for (int i = 0; i < 8 && at + i < bytes.Count; i++) bytes[at + i] = field[i];
                    break;
            }
        }
        return [.. bytes];
    }

    /// <summary>Runs every mutation of <paramref name="valid"/> through <paramref name="parse"/>; returns how many parsed.</summary>
    private int Fuzz(string name, byte[] valid, int seed, Action<string> parse, params Type[] documented)
    {
        var random = new Random(seed);
        string path = Path.Combine(_dir, name);
        int accepted = 0;
        for (int i = 0; i < Cases; i++)
        {
            var bytes = Mutate(valid, random);
            File.WriteAllBytes(path, bytes);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                parse(path);
                accepted++;
            }
            catch (Exception e) when (e is InvalidDataException || documented.Contains(e.GetType()))
            {
                Assert.False(e.Message.Any(c => char.IsControl(c) && c != '\n'), $"{name} case {i}: the message holds a control character: {e.Message}");
            }
            catch (Exception e)
            {
                Assert.Fail($"{name} case {i} ({bytes.Length} bytes): {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
            long used = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(used < MaxBytesPerCase, $"{name} case {i}: allocated {used} bytes.");
        }
        // Most mutations must be caught; a few (a flipped bit in the data) leave a valid file.
        Assert.InRange(accepted, 0, Cases - Cases / 10);
        return accepted;
    }

    private static byte[] SafeTensorsFile()
    {
        using var memory = new MemoryStream();
        SafeTensors.Save(memory, new Dictionary<string, Tensor>
        {
            ["layer.weight"] = Tensor.Randn([4, 3], DType.Float32, new Generator(1)),
            ["layer.bias"] = Tensor.FromArray([0.5, -0.25]),
            ["steps"] = Tensor.FromArray([3L, 4L]),
        }, new Dictionary<string, string> { ["name"] = "fuzz", ["note"] = "ünï" });
        return memory.ToArray();
    }

    /// <summary>A small RGBA gradient, so every PNG filter has something to predict.</summary>
    private static byte[] PngFile()
    {
        var pixels = new byte[9 * 7 * 4];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 37 % 251);
        using var stream = new MemoryStream();
        Png.Write(stream, pixels, 9, 7, PngColor.Rgba);
        return stream.ToArray();
    }

    [Fact]
    public void PngFiles() => Fuzz("image.png", PngFile(), 11, path => Png.Read(path));

    [Fact]
    public void PgmFiles()
    {
        var pixels = Enumerable.Range(0, 12 * 5).Select(i => (byte)(i * 5)).ToArray();
        string valid = Path.Combine(_dir, "valid.pgm");
        Pgm.Write(valid, pixels, 12, 5);
        Fuzz("image.pgm", File.ReadAllBytes(valid), 12, path => Pgm.Read(path));
    }

    [Fact]
    public void SafeTensorsFiles() => Fuzz("model.safetensors", SafeTensorsFile(), 1, path => Nabla.IO.SafeTensors.Load(path));

    [Fact]
    public void SafeTensorsThroughAForwardOnlyStream() =>
        Fuzz("pipe.safetensors", SafeTensorsFile(), 2, path => Nabla.IO.SafeTensors.Load(new NonSeekable(File.ReadAllBytes(path))));

    private byte[] IdxFile(Nabla.Data.IdxType type, bool gzip)
    {
        string path = Path.Combine(_dir, gzip ? "valid.idx.gz" : "valid.idx");
        var values = Tensor.Arange(0, 60, 1, DType.Float64).Reshape(3, 4, 5);
        Nabla.Data.Idx.Write(path, values, type);
        return File.ReadAllBytes(path);
    }

    [Theory]
    [InlineData(Nabla.Data.IdxType.UByte, false, 3)]
    [InlineData(Nabla.Data.IdxType.Float32, false, 4)]
    [InlineData(Nabla.Data.IdxType.UByte, true, 5)]
    [InlineData(Nabla.Data.IdxType.Float64, true, 6)]
    public void IdxFiles(Nabla.Data.IdxType type, bool gzip, int seed) =>
        Fuzz(gzip ? "images.idx.gz" : "images.idx", IdxFile(type, gzip), seed, path => Nabla.Data.Idx.Read(path, DType.Float32));

    [Fact]
    public void CsvFiles()
    {
        var text = new StringBuilder("x1,x2,\"label\"\n");
        for (int i = 0; i < 20; i++) text.Append(i * 0.5).Append(',').Append(-i).Append(',').Append(i % 3 == 0 ? "\"cat\"" : "dog").Append('\n');
        Fuzz("data.csv", Encoding.UTF8.GetBytes(text.ToString()), 7, path => Nabla.Data.Csv.Load(path));
    }

    [Fact]
    public void CheckpointFiles()
    {
        var model = new Nabla.NN.Linear(3, 2, generator: new Generator(1));
        var optimizer = new Adam(model.Parameters(), lr: 0.01);
        var trainer = new Trainer(model, optimizer, (o, t) => Nabla.NN.Functional.MseLoss(o, t));
        var train = new Nabla.Data.DataLoader(new Nabla.Data.TensorDataset(Tensor.Randn([8, 3], DType.Float32, new Generator(2)), Tensor.Zeros(8, 2)), batchSize: 4);
        var scheduler = new LRSchedulerCallback(new Nabla.Optim.Schedulers.StepLR(optimizer, stepSize: 1));
        var state = Generator.Default.GetState();
        try
        {
            trainer.Fit(train, 1, callbacks: [scheduler]);
            string valid = Path.Combine(_dir, "valid.ckpt");
            trainer.SaveCheckpoint(valid, train, scheduler);
            Fuzz("run.ckpt", File.ReadAllBytes(valid), 8, path => trainer.LoadCheckpoint(path, train, scheduler));
        }
        finally
        {
            Generator.Default.SetState(state);
        }
    }

    private sealed class NonSeekable(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
