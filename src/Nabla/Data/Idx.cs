using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Nabla.Data;

/// <summary>The element types of the IDX format, with their codes (the third byte of the magic number).</summary>
public enum IdxType : byte
{
    /// <summary>Unsigned 8-bit integer (code 0x08), the type of the MNIST images and labels.</summary>
    UByte = 0x08,
    /// <summary>Signed 8-bit integer (code 0x09).</summary>
    SByte = 0x09,
    /// <summary>Big-endian signed 16-bit integer (code 0x0B).</summary>
    Int16 = 0x0B,
    /// <summary>Big-endian signed 32-bit integer (code 0x0C).</summary>
    Int32 = 0x0C,
    /// <summary>Big-endian 32-bit IEEE 754 float (code 0x0D).</summary>
    Float32 = 0x0D,
    /// <summary>Big-endian 64-bit IEEE 754 float (code 0x0E).</summary>
    Float64 = 0x0E,
}

/// <summary>
/// Reads and writes the IDX format of the MNIST family of datasets: a magic number (0x00, 0x00, the
/// <see cref="IdxType"/> code, the number of dims), each dim as a big-endian int32, then the elements
/// in row-major order, big-endian. Gzip-compressed files are read transparently. The reader checks the
/// header against the file's size before it allocates anything, and reports a corrupt or truncated file
/// as an <see cref="InvalidDataException"/> that names the file and what was expected and found.
/// </summary>
public static class Idx
{
    /// <summary>The largest number of dims the reader accepts.</summary>
    public const int MaxDims = 8;

    /// <summary>
    /// The default of the largest expansion <see cref="Read"/> accepts from a gzip file: its decompressed size over its
    /// compressed size. Real data sets stay far below it (MNIST's images expand about 5 times, its labels about 2);
    /// deflate itself cannot exceed about 1032.
    /// </summary>
    public const int DefaultMaxGzipExpansion = 256;

    private const int ChunkBytes = 1 << 20;

    /// <summary>
    /// Reads an IDX file (raw, or gzip-compressed: detected from its content) into a tensor of its shape.
    /// By default integer types become <see cref="DType.Int64"/>, 0x0D becomes <see cref="DType.Float32"/> and
    /// 0x0E <see cref="DType.Float64"/>; <paramref name="dtype"/> converts to another dtype while reading
    /// (e.g. ubyte pixels straight to float32).
    /// </summary>
    /// <remarks>
    /// A gzip file is inflated in chunks and only as far as its header's dims say, into memory that grows with what
    /// was actually decompressed; the tensor is allocated once all of it has been read. A header that claims more than
    /// <paramref name="maxGzipExpansion"/> times the compressed size is rejected before anything is inflated.
    /// Concatenated gzip members (RFC 1952) are read as one stream.
    /// </remarks>
    /// <param name="path">The file to read.</param>
    /// <param name="dtype">The dtype of the result; by default the one that matches the file's element type.</param>
    /// <param name="allowNonFinite">Accept NaN and infinite elements in a float file; by default they are an error naming the element.</param>
    /// <param name="maxGzipExpansion">The largest decompressed-to-compressed size ratio accepted from a gzip file; at least 1.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not valid IDX: bad magic number, bad dims, a size that does not match its header, an expansion beyond
    /// the limit, or a non-finite float element.
    /// </exception>
    public static Tensor Read(string path, DType? dtype = null, bool allowNonFinite = false, int maxGzipExpansion = DefaultMaxGzipExpansion)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxGzipExpansion, 1);
        if (!File.Exists(path)) throw new FileNotFoundException($"Idx.Read: the file {path} does not exist.", path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        long fileLength = file.Length;
        bool gzip = IsGzip(file);
        if (gzip && fileLength < 20)
            throw new InvalidDataException($"Idx.Read: {path} is a gzip file of only {fileLength} bytes; a complete one has at least 20.");
        using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: true) : file;
        var (type, shape, headerBytes) = ReadHeader(stream, path);
        int size = ElementSize(type);
        long dataBytes = (long)ShapeUtil.Numel(shape) * size;
        long total = headerBytes + dataBytes;
        string layout = $"{headerBytes}-byte header + {dataBytes} data bytes for {TypeName(type)} {ShapeUtil.Format(shape)}";
        if (!gzip && fileLength != total)
        {
            throw new InvalidDataException(
                $"Idx.Read: {path} is {fileLength} bytes, but its header implies {total} ({layout}); the file is {(fileLength < total ? "truncated" : "longer than its header says")}.");
        }
        if (gzip && total > fileLength * maxGzipExpansion)
        {
            throw new InvalidDataException(
                $"Idx.Read: {path} is a gzip file of {fileLength} bytes, but its header implies {total} decompressed bytes ({layout}), " +
                $"more than {maxGzipExpansion} times its size (the limit; pass maxGzipExpansion to raise it).");
        }
        var source = new Source(stream, path, headerBytes, total);
        // A raw file's length was checked against its header, so the tensor can be allocated at once and filled
        // chunk by chunk. A gzip file's content is only known once inflated: it is buffered first.
        var chunks = gzip ? Inflate(source, dataBytes) : null;
        var result = Tensor.Empty(shape, dtype ?? DefaultDType(type));
        switch (result.Storage)
        {
            case Storage<float> s: ReadData(source, chunks, type, s.Data, shape, allowNonFinite); break;
            case Storage<double> s: ReadData(source, chunks, type, s.Data, shape, allowNonFinite); break;
            case Storage<long> s: ReadData(source, chunks, type, s.Data, shape, allowNonFinite); break;
        }
        if (gzip && Fill(stream, stackalloc byte[1], path) > 0)
            throw new InvalidDataException($"Idx.Read: {path} holds more data than its header implies ({layout}).");
        return result;
    }

    /// <summary>
    /// Writes <paramref name="tensor"/> as an IDX file of element type <paramref name="type"/>, gzip-compressed
    /// when <paramref name="path"/> ends in ".gz". Integer types need integral values within their range.
    /// </summary>
    public static void Write(string path, Tensor tensor, IdxType type)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensor);
        if (!Enum.IsDefined(type)) throw new ArgumentOutOfRangeException(nameof(type), $"Idx.Write: 0x{(byte)type:X2} is not an IDX type code.");
        if (tensor.Rank is 0 or > MaxDims || tensor.Shape.Any(d => d == 0))
            throw new ArgumentException($"Idx.Write: IDX holds 1 to {MaxDims} dims, all positive; got {ShapeUtil.Describe(tensor)}.", nameof(tensor));
        var values = tensor.ToDoubleArray();
        if (IntegerRange(type) is var (min, max))
        {
            for (int i = 0; i < values.Length; i++)
            {
                if (values[i] != Math.Floor(values[i]) || values[i] < min || values[i] > max)
                    throw new ArgumentException($"Idx.Write: element {i} ({values[i]}) is not an integer in [{min}, {max}], the range of {TypeName(type)}.", nameof(tensor));
            }
        }
        int size = ElementSize(type);
        var bytes = new byte[4 + 4 * tensor.Rank + values.Length * size];
        bytes[2] = (byte)type;
        bytes[3] = (byte)tensor.Rank;
        for (int d = 0; d < tensor.Rank; d++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), tensor.Shape[d]);
        var data = bytes.AsSpan(4 + 4 * tensor.Rank);
        for (int i = 0; i < values.Length; i++)
        {
            var at = data.Slice(i * size, size);
            switch (type)
            {
                case IdxType.UByte: at[0] = (byte)values[i]; break;
                case IdxType.SByte: at[0] = (byte)(sbyte)values[i]; break;
                case IdxType.Int16: BinaryPrimitives.WriteInt16BigEndian(at, (short)values[i]); break;
                case IdxType.Int32: BinaryPrimitives.WriteInt32BigEndian(at, (int)values[i]); break;
                case IdxType.Float32: BinaryPrimitives.WriteSingleBigEndian(at, (float)values[i]); break;
                default: BinaryPrimitives.WriteDoubleBigEndian(at, values[i]); break;
            }
        }
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            using var gz = new GZipStream(file, CompressionLevel.Optimal);
            gz.Write(bytes);
        }
        else
        {
            file.Write(bytes);
        }
    }

    private static bool IsGzip(FileStream file)
    {
        Span<byte> head = stackalloc byte[2];
        int read = file.ReadAtLeast(head, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return read == 2 && head[0] == 0x1F && head[1] == 0x8B;
    }

    private static (IdxType Type, int[] Shape, int HeaderBytes) ReadHeader(Stream stream, string path)
    {
        Span<byte> magic = stackalloc byte[4];
        int got = Fill(stream, magic, path);
        if (got < 4) throw new InvalidDataException($"Idx.Read: {path} ends after {got} bytes; expected a 4-byte IDX magic number.");
        var type = (IdxType)magic[2];
        int rank = magic[3];
        if (magic[0] != 0 || magic[1] != 0 || !Enum.IsDefined(type))
        {
            throw new InvalidDataException(
                $"Idx.Read: {path} does not start with an IDX magic number: expected 00 00 followed by a type code (08, 09, 0B, 0C, 0D or 0E) and the number of dims, found {Convert.ToHexString(magic)}.");
        }
        if (rank is 0 or > MaxDims)
            throw new InvalidDataException($"Idx.Read: {path} claims {rank} dims; expected 1 to {MaxDims}.");
        var dimBytes = new byte[4 * rank];
        got = Fill(stream, dimBytes, path);
        if (got < dimBytes.Length)
            throw new InvalidDataException($"Idx.Read: {path} ends inside its header: {rank} dims need {dimBytes.Length} bytes after the magic number, found {got}.");
        var shape = new int[rank];
        long numel = 1;
        for (int d = 0; d < rank; d++)
        {
            uint dim = BinaryPrimitives.ReadUInt32BigEndian(dimBytes.AsSpan(4 * d));
            if (dim is 0 or > int.MaxValue)
                throw new InvalidDataException($"Idx.Read: {path} has dim {d} of size {dim}; expected a positive size below 2^31.");
            shape[d] = (int)dim;
            numel *= dim;
            if (numel > int.MaxValue)
            {
                throw new InvalidDataException(
                    $"Idx.Read: {path} claims dims [{string.Join(", ", dimBytes.Chunk(4).Select(b => BinaryPrimitives.ReadUInt32BigEndian(b)))}], more than the {int.MaxValue} elements a tensor can hold.");
            }
        }
        return (type, shape, 4 + dimBytes.Length);
    }

    /// <summary>Where the data comes from, for the errors: the stream, its file, and the sizes its header implies.</summary>
    private sealed record Source(Stream Stream, string Path, int HeaderBytes, long Total);

    /// <summary>Inflates exactly <paramref name="dataBytes"/> bytes in chunks, failing as soon as the stream ends short.</summary>
    private static List<byte[]> Inflate(Source source, long dataBytes)
    {
        var chunks = new List<byte[]>();
        for (long done = 0; done < dataBytes;)
        {
            var chunk = new byte[(int)Math.Min(ChunkBytes, dataBytes - done)];
            int got = Fill(source.Stream, chunk, source.Path);
            if (got < chunk.Length) throw Truncated(source, done + got);
            chunks.Add(chunk);
            done += chunk.Length;
        }
        return chunks;
    }

    private static void ReadData<T>(Source source, List<byte[]>? chunks, IdxType type, T[] destination, int[] shape, bool allowNonFinite)
        where T : unmanaged, INumberBase<T>
    {
        int size = ElementSize(type);
        var buffer = chunks is null ? new byte[(int)Math.Min(ChunkBytes, (long)destination.Length * size)] : null;
        // Offsets are longs: near int.MaxValue elements, an int offset plus one more chunk wraps around.
        long start = 0;
        int index = 0;
        while (start < destination.Length)
        {
            Span<byte> chunk;
            if (chunks is null)
            {
                chunk = buffer.AsSpan(0, (int)Math.Min(buffer!.Length / size, destination.Length - start) * size);
                int got = Fill(source.Stream, chunk, source.Path);
                if (got < chunk.Length) throw Truncated(source, start * size + got);
            }
            else
            {
                chunk = chunks[index];
                chunks[index++] = [];
            }
            int count = chunk.Length / size;
            Decode(chunk, type, destination.AsSpan((int)start, count), source, start, shape, allowNonFinite);
            start += count;
        }
    }

    private static InvalidDataException Truncated(Source source, long dataRead) =>
        new($"Idx.Read: {source.Path} is truncated: it ends after {source.HeaderBytes + dataRead} bytes, but its header implies {source.Total}.");

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; a corrupt gzip stream becomes an error naming the file.</summary>
    private static int Fill(Stream stream, Span<byte> buffer, string path)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Idx.Read: {path} is not a valid gzip file: {e.Message}", e);
        }
    }

    /// <summary>Converts big-endian elements to <typeparamref name="T"/>; the source bytes are byte-swapped in place.</summary>
    private static void Decode<T>(Span<byte> src, IdxType type, Span<T> dst, Source source, long first, int[] shape, bool allowNonFinite)
        where T : unmanaged, INumberBase<T>
    {
        switch (type)
        {
            case IdxType.UByte:
                TensorPrimitives.ConvertTruncating<byte, T>(src, dst);
                break;
            case IdxType.SByte:
                TensorPrimitives.ConvertTruncating<sbyte, T>(MemoryMarshal.Cast<byte, sbyte>(src), dst);
                break;
            case IdxType.Int16:
                var int16 = MemoryMarshal.Cast<byte, short>(src);
                BinaryPrimitives.ReverseEndianness(int16, int16);
                TensorPrimitives.ConvertTruncating<short, T>(int16, dst);
                break;
            case IdxType.Int32:
                var int32 = MemoryMarshal.Cast<byte, int>(src);
                BinaryPrimitives.ReverseEndianness(int32, int32);
                TensorPrimitives.ConvertTruncating<int, T>(int32, dst);
                break;
            case IdxType.Float32:
                var bits32 = MemoryMarshal.Cast<byte, int>(src);
                BinaryPrimitives.ReverseEndianness(bits32, bits32);
                if (!allowNonFinite) RequireFinite(MemoryMarshal.Cast<byte, float>(src), source, first, shape);
                TensorPrimitives.ConvertSaturating<float, T>(MemoryMarshal.Cast<byte, float>(src), dst);
                break;
            default:
                var bits64 = MemoryMarshal.Cast<byte, long>(src);
                BinaryPrimitives.ReverseEndianness(bits64, bits64);
                if (!allowNonFinite) RequireFinite(MemoryMarshal.Cast<byte, double>(src), source, first, shape);
                TensorPrimitives.ConvertSaturating<double, T>(MemoryMarshal.Cast<byte, double>(src), dst);
                break;
        }
    }

    private static void RequireFinite<TFloat>(ReadOnlySpan<TFloat> values, Source source, long first, int[] shape)
        where TFloat : unmanaged, IFloatingPointIeee754<TFloat>
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (TFloat.IsFinite(values[i])) continue;
            throw new InvalidDataException(
                $"Idx.Read: {source.Path}: element {first + i} (index {ShapeUtil.Format(ShapeUtil.Unravel(first + i, shape))}) is {(TFloat.IsNaN(values[i]) ? "NaN" : TFloat.IsPositive(values[i]) ? "+Inf" : "-Inf")}; " +
                "the data must be finite (pass allowNonFinite: true to accept NaN and infinities).");
        }
    }

    private static int ElementSize(IdxType type) => type switch
    {
        IdxType.UByte or IdxType.SByte => 1,
        IdxType.Int16 => 2,
        IdxType.Int32 or IdxType.Float32 => 4,
        _ => 8,
    };

    private static DType DefaultDType(IdxType type) => type switch
    {
        IdxType.Float32 => DType.Float32,
        IdxType.Float64 => DType.Float64,
        _ => DType.Int64,
    };

    private static string TypeName(IdxType type) => type switch
    {
        IdxType.UByte => "ubyte",
        IdxType.SByte => "sbyte",
        IdxType.Int16 => "int16",
        IdxType.Int32 => "int32",
        IdxType.Float32 => "float32",
        _ => "float64",
    };

    private static (double Min, double Max)? IntegerRange(IdxType type) => type switch
    {
        IdxType.UByte => (byte.MinValue, byte.MaxValue),
        IdxType.SByte => (sbyte.MinValue, sbyte.MaxValue),
        IdxType.Int16 => (short.MinValue, short.MaxValue),
        IdxType.Int32 => (int.MinValue, int.MaxValue),
        _ => null,
    };
}
