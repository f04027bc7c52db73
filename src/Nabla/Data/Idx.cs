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

    // Deflate cannot compress by more than about 1032:1, so a claim beyond that is corrupt without reading further.
    private const long MaxDeflateRatio = 1032;

    private const int ChunkBytes = 1 << 20;

    /// <summary>
    /// Reads an IDX file (raw, or gzip-compressed: detected from its content) into a tensor of its shape.
    /// By default integer types become <see cref="DType.Int64"/>, 0x0D becomes <see cref="DType.Float32"/> and
    /// 0x0E <see cref="DType.Float64"/>; <paramref name="dtype"/> converts to another dtype while reading
    /// (e.g. ubyte pixels straight to float32).
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not valid IDX: bad magic number, bad dims, or a size that does not match its header.</exception>
    public static Tensor Read(string path, DType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Idx.Read: the file {path} does not exist.", path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        long fileLength = file.Length;
        bool gzip = IsGzip(file);
        uint? gzipSize = gzip ? GzipTrailerSize(file, path) : null;
        using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: true) : file;
        var (type, shape, headerBytes) = ReadHeader(stream, path);
        long dataBytes = (long)ShapeUtil.Numel(shape) * ElementSize(type);
        long total = headerBytes + dataBytes;
        string layout = $"{headerBytes}-byte header + {dataBytes} data bytes for {TypeName(type)} {ShapeUtil.Format(shape)}";
        if (!gzip && fileLength != total)
        {
            throw new InvalidDataException(
                $"Idx.Read: {path} is {fileLength} bytes, but its header implies {total} ({layout}); the file is {(fileLength < total ? "truncated" : "longer than its header says")}.");
        }
        if (gzip && gzipSize != (uint)total)
        {
            throw new InvalidDataException(
                $"Idx.Read: {path} is truncated or corrupt: its gzip trailer gives the decompressed size as {gzipSize} bytes, but its header implies {total} ({layout}).");
        }
        if (gzip && total > fileLength * MaxDeflateRatio)
        {
            throw new InvalidDataException(
                $"Idx.Read: {path} is a gzip file of {fileLength} bytes, which cannot decompress to the {total} bytes its header implies ({layout}).");
        }
        var result = Tensor.Empty(shape, dtype ?? DefaultDType(type));
        switch (result.Storage)
        {
            case Storage<float> s: ReadData(stream, type, s.Data, path, headerBytes, total); break;
            case Storage<double> s: ReadData(stream, type, s.Data, path, headerBytes, total); break;
            case Storage<long> s: ReadData(stream, type, s.Data, path, headerBytes, total); break;
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

    /// <summary>The ISIZE field of the gzip trailer: the decompressed length modulo 2³².</summary>
    private static uint GzipTrailerSize(FileStream file, string path)
    {
        // 10-byte header + at least a 2-byte deflate block + 8-byte trailer.
        if (file.Length < 20) throw new InvalidDataException($"Idx.Read: {path} is a gzip file of only {file.Length} bytes; a complete one has at least 20.");
        Span<byte> trailer = stackalloc byte[4];
        file.Position = file.Length - 4;
        file.ReadExactly(trailer);
        file.Position = 0;
        return BinaryPrimitives.ReadUInt32LittleEndian(trailer);
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

    private static void ReadData<T>(Stream stream, IdxType type, T[] destination, string path, int headerBytes, long total)
        where T : unmanaged, INumberBase<T>
    {
        int size = ElementSize(type);
        var buffer = new byte[(int)Math.Min(ChunkBytes, (long)destination.Length * size)];
        int perChunk = buffer.Length / size;
        for (int start = 0; start < destination.Length; start += perChunk)
        {
            int count = Math.Min(perChunk, destination.Length - start);
            var chunk = buffer.AsSpan(0, count * size);
            int got = Fill(stream, chunk, path);
            if (got < chunk.Length)
            {
                throw new InvalidDataException(
                    $"Idx.Read: {path} is truncated: it ends after {headerBytes + (long)start * size + got} bytes, but its header implies {total}.");
            }
            Decode(chunk, type, destination.AsSpan(start, count));
        }
    }

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
    private static void Decode<T>(Span<byte> src, IdxType type, Span<T> dst) where T : unmanaged, INumberBase<T>
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
                TensorPrimitives.ConvertSaturating<float, T>(MemoryMarshal.Cast<byte, float>(src), dst);
                break;
            default:
                var bits64 = MemoryMarshal.Cast<byte, long>(src);
                BinaryPrimitives.ReverseEndianness(bits64, bits64);
                TensorPrimitives.ConvertSaturating<double, T>(MemoryMarshal.Cast<byte, double>(src), dst);
                break;
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
