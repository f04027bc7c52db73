using Nabla.IO;

namespace Nabla.Tests.IO;

public sealed class AtomicWriteTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nabla-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string[] TempFiles() => Directory.GetFiles(_dir, "*.tmp-*");

    private static Dictionary<string, Tensor> Model(double value) => new()
    {
        ["weight"] = Tensor.Full([64, 64], value),
        ["bias"] = Tensor.Full([64], value, DType.Float64),
    };

    [Theory]
    [InlineData(0)]
    [InlineData(12)]
    [InlineData(300)]
    [InlineData(10_000)]
    public void AFailureWhileWritingKeepsTheOriginalFileAndLeavesNoTemporaryFile(int failAfterBytes)
    {
        string path = Path.Combine(_dir, "model.safetensors");
        SafeTensors.Save(path, Model(1.0));
        var original = File.ReadAllBytes(path);

        var ex = Assert.Throws<IOException>(() => SafeTensors.Save(path, Model(2.0), null, s => new FailingStream(s, failAfterBytes)));

        Assert.Equal("injected failure", ex.Message);
        Assert.Equal(original, File.ReadAllBytes(path));
        Assert.Empty(TempFiles());
        Assert.Equal(1.0, SafeTensors.Load(path).Tensors["weight"].ItemAt(3, 5));
    }

    [Fact]
    public void AFailureWhenThereIsNoPreviousFileLeavesNothing()
    {
        string path = Path.Combine(_dir, "new.safetensors");
        Assert.Throws<IOException>(() => SafeTensors.Save(path, Model(2.0), null, s => new FailingStream(s, 100)));
        Assert.False(File.Exists(path));
        Assert.Empty(TempFiles());
    }

    [Fact]
    public void InvalidInputIsRejectedBeforeTheFileIsTouched()
    {
        string path = Path.Combine(_dir, "model.safetensors");
        SafeTensors.Save(path, Model(1.0));
        var original = File.ReadAllBytes(path);
        var bad = Model(2.0);
        bad["__metadata__"] = Tensor.Zeros(1);

        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, bad));

        Assert.Equal(original, File.ReadAllBytes(path));
        Assert.Empty(TempFiles());
    }

    [Fact]
    public void ASuccessfulSaveReplacesTheFileAndLeavesNoTemporaryFile()
    {
        string path = Path.Combine(_dir, "model.safetensors");
        SafeTensors.Save(path, Model(1.0));
        SafeTensors.Save(path, Model(2.0));
        Assert.Equal(2.0, SafeTensors.Load(path).Tensors["bias"].ItemAt(7));
        Assert.Equal(["model.safetensors"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void AtomicFileDeletesTheTemporaryFileWhenTheWriterThrows()
    {
        string path = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(path, "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write("new, half written"u8);
            throw new InvalidOperationException("writer failed");
        }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Empty(TempFiles());
    }

    /// <summary>Passes writes through until <c>limit</c> bytes, then throws, like a full disk.</summary>
    private sealed class FailingStream(Stream inner, long limit) : Stream
    {
        private long _written;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            long allowed = Math.Min(buffer.Length, limit - _written);
            inner.Write(buffer[..(int)allowed]);
            _written += allowed;
            if (allowed < buffer.Length) throw new IOException("injected failure");
        }

        public override void WriteByte(byte value) => Write([value]);
    }
}
