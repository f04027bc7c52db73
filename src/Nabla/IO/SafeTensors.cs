using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Nabla.IO;

/// <summary>The tensors and the free-form string metadata of a safetensors file.</summary>
/// <param name="Tensors">The tensors in the order of their data in the file.</param>
/// <param name="Metadata">The <c>__metadata__</c> entries (empty when the file has none).</param>
public sealed record SafeTensorsData(OrderedDictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format,
/// the tensor file format of Hugging Face and PyTorch: an 8-byte little-endian header length N, N bytes
/// of UTF-8 JSON <c>{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, "__metadata__": {"key": "value"}}</c>,
/// then the raw little-endian row-major data, with <c>data_offsets</c> relative to the start of the data.
/// </summary>
/// <remarks>
/// Files are parsed defensively: the header length, every dtype, shape and offset are checked against
/// the file before any tensor memory is allocated, the tensors must cover the data section exactly
/// without gaps or overlaps (as the format requires), and any violation raises an
/// <see cref="InvalidDataException"/> naming the file, the tensor and the problem: so do a header that is not valid
/// UTF-8, a name with a lone surrogate, a field given twice in one entry, and (unless the caller allows them) NaN or
/// infinite values in a floating-point tensor. Names from the file are quoted escaped and cut short.
/// Every Nabla dtype is written and read as its own file dtype (F64, F32, F16, BF16, I64, I32, U8, BOOL);
/// I16 and I8, which Nabla has no dtype for, are read as int64. A BOOL byte other than 0 or 1 is an error.
/// </remarks>
public static class SafeTensors
{
    /// <summary>The largest header accepted (the reference implementation's limit).</summary>
    public const int MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private readonly record struct FileDType(string Name, int Size, DType Target);

    private static readonly Dictionary<string, FileDType> FileDTypes = new FileDType[]
    {
        new("F64", 8, DType.Float64), new("F32", 4, DType.Float32), new("F16", 2, DType.Float16), new("BF16", 2, DType.BFloat16),
        new("I64", 8, DType.Int64), new("I32", 4, DType.Int32), new("I16", 2, DType.Int64), new("I8", 1, DType.Int64),
        new("U8", 1, DType.UInt8), new("BOOL", 1, DType.Bool),
    }.ToDictionary(d => d.Name, StringComparer.Ordinal);

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private sealed record Entry(string Name, FileDType DType, int[] Shape, long Begin, long End);

    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/> atomically: a temporary file in the same
    /// directory is written, flushed to disk and renamed over <paramref name="path"/>, so a crash leaves
    /// either the previous file or the new one.
    /// </summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="tensors">The tensors by name; non-contiguous tensors are written contiguously.</param>
    /// <param name="metadata">Optional string pairs stored under <c>__metadata__</c>.</param>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Save(path, tensors, metadata, wrap: static s => s);

    /// <summary>The atomic file save, with the file stream passed through <paramref name="wrap"/> so that tests can inject write failures.</summary>
    internal static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata, Func<Stream, Stream> wrap)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var entries = Plan(tensors, metadata);
        AtomicFile.Write(path, stream => Write(wrap(stream), tensors, metadata, entries));
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> in safetensors format to <paramref name="stream"/> at its current position.
    /// Tensors are laid out 8-byte dtypes first, then by ordinal name (the order of the reference implementation),
    /// so the same tensors always give the same bytes.
    /// </summary>
    /// <param name="stream">A writable stream; it is not closed.</param>
    /// <param name="tensors">The tensors by name; non-contiguous tensors are written contiguously.</param>
    /// <param name="metadata">Optional string pairs stored under <c>__metadata__</c>.</param>
    public static void Save(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Write(stream, tensors, metadata, Plan(tensors, metadata));
    }

    /// <summary>Reads every tensor and the metadata of the safetensors file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file; the message names the file, the tensor and the problem.</exception>
    public static SafeTensorsData Load(string path) => Load(path, allowNonFinite: false);

    /// <summary>
    /// Reads every tensor and the metadata of the safetensors file at <paramref name="path"/>, which may also be a pipe
    /// or another file that cannot seek (it is then read once, forward, into memory that grows with what arrives).
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <param name="allowNonFinite">Accept NaN and infinite values in floating-point tensors; by default they are an error naming the tensor and the element.</param>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file; the message names the file, the tensor and the problem.</exception>
    public static SafeTensorsData Load(string path, bool allowNonFinite)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return stream.CanSeek ? Read(stream, path, allowNonFinite) : ReadForwardOnly(stream, path, allowNonFinite);
    }

    /// <summary>
    /// Reads a safetensors file from <paramref name="stream"/>, from its current position to its end.
    /// A stream that cannot seek is first copied to memory, so that sizes can be checked before allocating.
    /// </summary>
    /// <exception cref="InvalidDataException">The data is not a valid safetensors file.</exception>
    public static SafeTensorsData Load(Stream stream) => Load(stream, allowNonFinite: false);

    /// <summary>
    /// Reads a safetensors file from <paramref name="stream"/>, from its current position to its end. A stream that
    /// cannot seek is read forward: the header first, then exactly the data it describes, into memory that grows with
    /// what arrives (never with what the header claims), and a stream that goes on past the data is an error.
    /// </summary>
    /// <param name="stream">A readable stream; it is not closed.</param>
    /// <param name="allowNonFinite">Accept NaN and infinite values in floating-point tensors.</param>
    /// <exception cref="InvalidDataException">The data is not a valid safetensors file.</exception>
    public static SafeTensorsData Load(Stream stream, bool allowNonFinite)
    {
        ArgumentNullException.ThrowIfNull(stream);
        string source = stream is FileStream fs ? fs.Name : "<stream>";
        return stream.CanSeek ? Read(stream, source, allowNonFinite) : ReadForwardOnly(stream, source, allowNonFinite);
    }

    private static Entry[] Plan(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (metadata is not null)
        {
            foreach (var (key, value) in metadata)
                if (value is null) throw new ArgumentException($"SafeTensors.Save: metadata entry '{key}' is null; metadata values must be strings.", nameof(metadata));
        }
        var planned = new List<(string Name, FileDType DType, int[] Shape)>(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            if (name == MetadataKey) throw new ArgumentException($"SafeTensors.Save: '{MetadataKey}' is reserved and cannot name a tensor.", nameof(tensors));
            if (tensor is null) throw new ArgumentException($"SafeTensors.Save: tensor '{name}' is null.", nameof(tensors));
            var dtype = FileDTypes[tensor.DType switch
            {
                DType.Float32 => "F32",
                DType.Float64 => "F64",
                DType.Int64 => "I64",
                DType.Int32 => "I32",
                DType.UInt8 => "U8",
                DType.Bool => "BOOL",
                DType.Float16 => "F16",
                DType.BFloat16 => "BF16",
                _ => throw new ArgumentException($"SafeTensors.Save: tensor '{name}' has dtype {tensor.DType.Name()}, which safetensors cannot hold.", nameof(tensors)),
            }];
            planned.Add((name, dtype, [.. tensor.Shape]));
        }
        // Larger elements first keeps every tensor aligned to its element size within the data section.
        planned.Sort((a, b) => a.DType.Size != b.DType.Size ? b.DType.Size.CompareTo(a.DType.Size) : string.CompareOrdinal(a.Name, b.Name));
        var entries = new Entry[planned.Count];
        long offset = 0;
        for (int i = 0; i < entries.Length; i++)
        {
            var (name, dtype, shape) = planned[i];
            long length = (long)ShapeUtil.Numel(shape) * dtype.Size;
            entries[i] = new Entry(name, dtype, shape, offset, offset + length);
            offset += length;
        }
        return entries;
    }

    private static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata, Entry[] entries)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("SafeTensors: only little-endian machines are supported.");
        var header = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(header, WriterOptions))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var key in metadata.Keys.Order(StringComparer.Ordinal)) json.WriteString(key, metadata[key]);
                json.WriteEndObject();
            }
            foreach (var e in entries)
            {
                json.WriteStartObject(e.Name);
                json.WriteString("dtype", e.DType.Name);
                json.WriteStartArray("shape");
                foreach (int d in e.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(e.Begin);
                json.WriteNumberValue(e.End);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        int padded = (header.WrittenCount + 7) / 8 * 8;
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
        stream.Write(prefix);
        stream.Write(header.WrittenSpan);
        for (int i = header.WrittenCount; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var e in entries)
        {
            var tensor = tensors[e.Name];
            switch (tensor.DType)
            {
                case DType.Float32: WriteData<float>(stream, tensor); break;
                case DType.Float64: WriteData<double>(stream, tensor); break;
                case DType.Int64: WriteData<long>(stream, tensor); break;
                case DType.Int32: WriteData<int>(stream, tensor); break;
                case DType.UInt8: WriteData<byte>(stream, tensor); break;
                case DType.Bool: WriteData<bool>(stream, tensor); break;
                case DType.Float16: WriteData<Half>(stream, tensor); break;
                default: WriteData<BFloat16>(stream, tensor); break;
            }
        }
        stream.Flush();
    }

    private static void WriteData<T>(Stream stream, Tensor tensor) where T : unmanaged
    {
        if (tensor.Numel == 0) return;
        ReadOnlySpan<T> data = tensor.IsContiguous ? tensor.AsSpan<T>() : tensor.ToArray<T>();
        stream.Write(MemoryMarshal.AsBytes(data));
    }

    /// <summary>
    /// Copies the 8-byte prefix, the header and exactly the data its entries cover into memory, in chunks, then reads
    /// the copy like a file; a pipe cannot make the reader allocate what it merely claims.
    /// </summary>
    private static SafeTensorsData ReadForwardOnly(Stream stream, string source, bool allowNonFinite)
    {
        using var copy = new MemoryStream();
        long got = CopyAtMost(stream, copy, 8);
        if (got < 8) throw Invalid(source, $"the stream holds {got} bytes, too short for the 8-byte header length.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(copy.GetBuffer().AsSpan(0, 8));
        if (headerLength > MaxHeaderBytes)
            throw Invalid(source, $"the header length {headerLength} exceeds the limit of {MaxHeaderBytes} bytes.");
        got = CopyAtMost(stream, copy, (long)headerLength);
        if (got < (long)headerLength)
            throw Invalid(source, $"the stream ended after {got} of the {headerLength} header bytes (truncated).");
        var (entries, _) = ParseHeader(copy.GetBuffer().AsSpan(8, (int)headerLength).ToArray(), long.MaxValue, source);
        long dataLength = entries.Length == 0 ? 0 : entries.Max(e => e.End);
        if (dataLength > Array.MaxLength - 8 - (long)headerLength)
            throw Invalid(source, $"its tensors need {dataLength} data bytes, more than a stream that cannot seek can be read into memory; load it from a file.");
        got = CopyAtMost(stream, copy, dataLength);
        if (got < dataLength)
            throw Invalid(source, $"the stream ended after {got} of the {dataLength} data bytes its header describes (truncated).");
        if (CopyAtMost(stream, copy, 1) > 0)
            throw Invalid(source, $"the stream goes on past the {dataLength} data bytes its tensors cover.");
        copy.Position = 0;
        return Read(copy, source, allowNonFinite);
    }

    /// <summary>Copies up to <paramref name="count"/> bytes in chunks; the number copied is less only at the end of the stream.</summary>
    private static long CopyAtMost(Stream from, MemoryStream to, long count)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(count, 1 << 16));
        try
        {
            long done = 0;
            while (done < count)
            {
                int read = from.Read(buffer, 0, (int)Math.Min(buffer.Length, count - done));
                if (read == 0) break;
                to.Write(buffer, 0, read);
                done += read;
            }
            return done;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static SafeTensorsData Read(Stream stream, string source, bool allowNonFinite)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("SafeTensors: only little-endian machines are supported.");
        long available = stream.Length - stream.Position;
        if (available < 8)
            throw Invalid(source, $"the file is {available} bytes long, too short for the 8-byte header length.");
        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(stream, prefix, source, "the header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(available - 8))
            throw Invalid(source, $"the header length {headerLength} exceeds the {available - 8} bytes that follow it (the file is truncated or not a safetensors file).");
        if (headerLength > MaxHeaderBytes)
            throw Invalid(source, $"the header length {headerLength} exceeds the limit of {MaxHeaderBytes} bytes.");
        var headerBytes = new byte[(int)headerLength];
        ReadExactly(stream, headerBytes, source, "the header");
        long dataLength = available - 8 - (long)headerLength;

        var (entries, metadata) = ParseHeader(headerBytes, dataLength, source);
        Array.Sort(entries, (a, b) =>
            a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End != b.End ? a.End.CompareTo(b.End) : string.CompareOrdinal(a.Name, b.Name));
        CheckCoverage(entries, dataLength, source);

        var tensors = new OrderedDictionary<string, Tensor>(entries.Length, StringComparer.Ordinal);
        foreach (var e in entries)
        {
            var tensor = ReadTensor(stream, e, source);
            if (!allowNonFinite) RequireFinite(tensor, e, source);
            tensors.Add(e.Name, tensor);
        }
        return new SafeTensorsData(tensors, metadata);
    }

    private static (Entry[] Entries, IReadOnlyDictionary<string, string> Metadata) ParseHeader(byte[] header, long dataLength, string source)
    {
        if (header.Length == 0 || header[0] != (byte)'{')
            throw Invalid(source, "the header does not start with '{' (not a safetensors file).");
        if (!Utf8.IsValid(header))
            throw Invalid(source, "the header is not valid UTF-8.");
        try
        {
            return ParseDocument(header, dataLength, source);
        }
        catch (InvalidOperationException ex)
        {
            // A string the reader cannot turn into UTF-16 (an escaped lone surrogate, for one).
            throw Invalid(source, $"the header holds a string that is not valid text: {ex.Message}", ex);
        }
    }

    private static (Entry[] Entries, IReadOnlyDictionary<string, string> Metadata) ParseDocument(byte[] header, long dataLength, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException ex)
        {
            throw Invalid(source, $"the header is not valid JSON: {ex.Message}", ex);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw Invalid(source, $"the header is a JSON {doc.RootElement.ValueKind}, not an object.");
            var metadata = new OrderedDictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<Entry>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                string name = Text(property.Name, source, "a tensor name");
                if (!seen.Add(name))
                    throw Invalid(source, $"the header names {Quoted.Of(name)} twice.");
                if (property.Name == MetadataKey)
                    ParseMetadata(property.Value, metadata, source);
                else
                    entries.Add(ParseEntry(name, property.Value, dataLength, source));
            }
            return ([.. entries], metadata);
        }
    }

    private static void ParseMetadata(JsonElement element, OrderedDictionary<string, string> metadata, string source)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw Invalid(source, $"'{MetadataKey}' is a JSON {element.ValueKind}, not an object of strings.");
        foreach (var item in element.EnumerateObject())
        {
            string key = Text(item.Name, source, $"a '{MetadataKey}' key");
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Invalid(source, $"'{MetadataKey}' entry {Quoted.Of(key)} is a JSON {item.Value.ValueKind}, not a string.");
            if (!metadata.TryAdd(key, Text(item.Value.GetString()!, source, $"'{MetadataKey}' entry {Quoted.Of(key)}")))
                throw Invalid(source, $"'{MetadataKey}' names {Quoted.Of(key)} twice.");
        }
    }

    private static Entry ParseEntry(string name, JsonElement element, long dataLength, string source)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw InvalidTensor(source, name, $"the entry is a JSON {element.ValueKind}, not an object with dtype, shape and data_offsets.");
        // JSON allows a name twice in an object and a lookup would silently take one copy; the format means one value each.
        var fields = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in element.EnumerateObject())
        {
            if (!fields.Add(field.Name))
                throw InvalidTensor(source, name, $"the entry gives {Quoted.Of(field.Name)} twice.");
        }
        if (!element.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw InvalidTensor(source, name, "'dtype' is missing or not a string.");
        string dtypeName = dtypeElement.GetString()!;
        if (!FileDTypes.TryGetValue(dtypeName, out var dtype))
            throw InvalidTensor(source, name, $"unknown or unsupported dtype {Quoted.Of(dtypeName)} (supported: {string.Join(", ", FileDTypes.Keys)}).");

        if (!element.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw InvalidTensor(source, name, "'shape' is missing or not an array.");
        var shape = new int[shapeElement.GetArrayLength()];
        long numel = 1;
        int k = 0;
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int size) || size < 0)
                throw InvalidTensor(source, name, $"shape {Quoted.Bare(shapeElement.GetRawText())} has a dimension that is not an integer in [0, {int.MaxValue}].");
            shape[k++] = size;
            numel = Math.Min(numel * size, (long)int.MaxValue + 1);
        }
        if (numel > int.MaxValue)
            throw InvalidTensor(source, name, $"shape {Quoted.Bare(shapeElement.GetRawText())} has more than {int.MaxValue} elements, the most a Nabla tensor holds.");

        if (!element.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array || offsetsElement.GetArrayLength() != 2)
            throw InvalidTensor(source, name, "'data_offsets' is missing or not an array of two integers.");
        var offsets = new long[2];
        k = 0;
        foreach (var o in offsetsElement.EnumerateArray())
        {
            if (o.ValueKind != JsonValueKind.Number || !o.TryGetUInt64(out ulong value))
                throw InvalidTensor(source, name, $"data_offsets {Quoted.Bare(offsetsElement.GetRawText())} are not non-negative integers.");
            offsets[k++] = value > (ulong)long.MaxValue ? long.MaxValue : (long)value;
        }
        long begin = offsets[0], end = offsets[1];
        string range = Quoted.Bare(offsetsElement.GetRawText());
        if (end < begin)
            throw InvalidTensor(source, name, $"data_offsets {range} end before they begin.");
        if (end > dataLength)
            throw InvalidTensor(source, name, $"data_offsets {range} lie outside the data section of {dataLength} bytes (the file may be truncated).");
        long expected = numel * dtype.Size;
        if (end - begin != expected)
            throw InvalidTensor(source, name, $"data_offsets {range} hold {end - begin} bytes, but shape {Quoted.Bare(shapeElement.GetRawText())} of {dtypeName} needs {expected} bytes.");
        return new Entry(name, dtype, shape, begin, end);
    }

    /// <summary>
    /// The format requires the tensors, sorted by offset, to tile the data section: no gaps, no overlaps, no trailing bytes.
    /// </summary>
    private static void CheckCoverage(Entry[] entries, long dataLength, string source)
    {
        long covered = 0;
        Entry? previous = null;
        foreach (var e in entries)
        {
            if (e.Begin < covered)
                throw InvalidTensor(source, e.Name, $"data_offsets [{e.Begin}, {e.End}] overlap tensor {Quoted.Of(previous!.Name)} at [{previous.Begin}, {previous.End}].");
            if (e.Begin > covered)
                throw InvalidTensor(source, e.Name, $"data_offsets [{e.Begin}, {e.End}] leave bytes [{covered}, {e.Begin}) of the data section unused.");
            covered = e.End;
            previous = e;
        }
        if (covered != dataLength)
            throw Invalid(source, $"the tensors cover {covered} bytes but the data section holds {dataLength} (bytes [{covered}, {dataLength}) are not part of any tensor).");
    }

    private static Tensor ReadTensor(Stream stream, Entry e, string source)
    {
        int numel = (int)((e.End - e.Begin) / e.DType.Size);
        Storage storage = e.DType.Name switch
        {
            "F32" => new Storage<float>(ReadNative<float>(stream, numel, e, source)),
            "F64" => new Storage<double>(ReadNative<double>(stream, numel, e, source)),
            "F16" => new Storage<Half>(ReadNative<Half>(stream, numel, e, source)),
            "BF16" => new Storage<BFloat16>(ReadNative<BFloat16>(stream, numel, e, source)),
            "I64" => new Storage<long>(ReadNative<long>(stream, numel, e, source)),
            "I32" => new Storage<int>(ReadNative<int>(stream, numel, e, source)),
            "U8" => new Storage<byte>(ReadNative<byte>(stream, numel, e, source)),
            "BOOL" => new Storage<bool>(ReadBool(stream, numel, e, source)),
            _ => Widen(e.DType.Name, ReadNative<byte>(stream, (int)(e.End - e.Begin), e, source), numel),
        };
        return new Tensor(storage, e.Shape);
    }

    private static T[] ReadNative<T>(Stream stream, int numel, Entry e, string source) where T : unmanaged
    {
        var data = GC.AllocateUninitializedArray<T>(numel);
        ReadExactly(stream, MemoryMarshal.AsBytes(data.AsSpan()), source, $"the data of tensor {Quoted.Of(e.Name)}");
        return data;
    }

    /// <summary>Bytes 0 and 1 only: any other byte would be a bool value that is neither true nor false.</summary>
    private static bool[] ReadBool(Stream stream, int numel, Entry e, string source)
    {
        var bytes = ReadNative<byte>(stream, numel, e, source);
        int bad = bytes.AsSpan().IndexOfAnyExcept((byte)0, (byte)1);
        if (bad >= 0)
            throw InvalidTensor(source, e.Name, $"element {bad} (index {ShapeUtil.Format(ShapeUtil.Unravel(bad, e.Shape))}) is the byte {bytes[bad]}; a BOOL element must be 0 or 1.");
        var values = new bool[numel];
        for (int i = 0; i < numel; i++) values[i] = bytes[i] != 0;
        return values;
    }

    /// <summary>I16 and I8, which have no Nabla dtype, as int64.</summary>
    private static Storage<long> Widen(string dtype, ReadOnlySpan<byte> bytes, int numel)
    {
        var longs = new long[numel];
        for (int i = 0; i < numel; i++)
            longs[i] = dtype == "I16" ? BinaryPrimitives.ReadInt16LittleEndian(bytes.Slice(2 * i, 2)) : (sbyte)bytes[i];
        return new Storage<long>(longs);
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string source, string what)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException ex)
        {
            throw Invalid(source, $"the file ended while reading {what} (truncated).", ex);
        }
    }

    private static InvalidDataException Invalid(string source, string problem, Exception? inner = null) =>
        new($"SafeTensors.Load: '{source}': {problem}", inner);

    private static InvalidDataException InvalidTensor(string source, string tensor, string problem) =>
        new($"SafeTensors.Load: '{source}': tensor {Quoted.Of(tensor)}: {problem}");

    /// <summary>A string from the header, which must be valid UTF-16 (a JSON escape can encode a lone surrogate).</summary>
    private static string Text(string text, string source, string what)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (!char.IsSurrogate(text[i])) continue;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else throw Invalid(source, $"{what}, {Quoted.Of(text)}, holds a lone surrogate (U+{(int)text[i]:X4}), which is not text.");
        }
        return text;
    }

    private static void RequireFinite(Tensor tensor, Entry e, string source)
    {
        int bad = tensor.DType switch
        {
            DType.Float32 => IndexOfNonFinite(tensor.AsSpan<float>()),
            DType.Float64 => IndexOfNonFinite(tensor.AsSpan<double>()),
            DType.Float16 => IndexOfNonFinite(tensor.AsSpan<Half>()),
            DType.BFloat16 => IndexOfNonFinite(tensor.AsSpan<BFloat16>()),
            _ => -1,
        };
        if (bad < 0) return;
        double value = tensor.ItemAt(ShapeUtil.Unravel(bad, e.Shape));
        throw InvalidTensor(source, e.Name,
            $"element {bad} (index {ShapeUtil.Format(ShapeUtil.Unravel(bad, e.Shape))}) is {(double.IsNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf")}; " +
            "the values must be finite (pass allowNonFinite: true to accept NaN and infinities).");
    }

    private static int IndexOfNonFinite<T>(ReadOnlySpan<T> values) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
            if (!T.IsFinite(values[i])) return i;
        return -1;
    }

    private static int IndexOfNonFinite(ReadOnlySpan<BFloat16> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite((float)values[i])) return i;
        return -1;
    }
}
