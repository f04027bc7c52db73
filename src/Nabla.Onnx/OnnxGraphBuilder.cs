using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Nabla.Onnx.Proto;

namespace Nabla.Onnx;

/// <summary>
/// Collects an ONNX graph's nodes and initializers while the exporter walks a module: every value gets a unique name,
/// a tensor used twice (a tied weight) becomes one initializer, and constants (shapes, scalars) are initializers too.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly List<NodeProto> _nodes = [];
    private readonly List<TensorProto> _initializers = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<(Tensor, bool), string> _tensors = new(new TensorKeyComparer());

    /// <summary>The nodes so far, in topological order.</summary>
    public IReadOnlyList<NodeProto> Nodes => _nodes;

    /// <summary>The initializers so far.</summary>
    public IReadOnlyList<TensorProto> Initializers => _initializers;

    /// <summary>Reserves <paramref name="name"/> exactly (the graph's input and output names).</summary>
    public void Reserve(string name)
    {
        if (!_names.Add(name)) throw new ArgumentException($"ExportOnnx: the name '{name}' is used twice.", nameof(name));
    }

    /// <summary>A fresh value name made from <paramref name="hint"/>: the hint itself, or the hint with a numeric suffix.</summary>
    public string Unique(string hint)
    {
        string name = hint.Length == 0 ? "value" : hint;
        if (_names.Add(name)) return name;
        for (int i = 1; ; i++)
        {
            string candidate = $"{name}_{i}";
            if (_names.Add(candidate)) return candidate;
        }
    }

    /// <summary>
    /// The initializer holding <paramref name="tensor"/> (transposed when <paramref name="transposed"/>, for a
    /// rank-2 tensor), named <paramref name="name"/>; the same tensor asked for again gets the same initializer.
    /// </summary>
    public string Parameter(string name, Tensor tensor, bool transposed = false)
    {
        if (_tensors.TryGetValue((tensor, transposed), out var existing)) return existing;
        var value = transposed ? tensor.Transpose(0, 1) : tensor;
        string unique = Unique(name);
        _initializers.Add(new TensorProto(unique, DataType(value.DType, name), [.. value.Shape.Select(d => (long)d)], RawData(value)));
        _tensors[(tensor, transposed)] = unique;
        return unique;
    }

    /// <summary>An int64 initializer (a shape, axes or pads) of shape (values.Length).</summary>
    public string Int64s(string name, params long[] values)
    {
        string unique = Unique(name);
        var bytes = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), values[i]);
        _initializers.Add(new TensorProto(unique, OnnxDataType.Int64, [values.Length], bytes));
        return unique;
    }

    /// <summary>A scalar initializer of the floating-point <paramref name="dtype"/>.</summary>
    public string Scalar(string name, double value, DType dtype) => Constant(name, Tensor.Scalar(value, dtype));

    /// <summary>An initializer of <paramref name="value"/>, which belongs to no module (ones for a missing scale, say).</summary>
    public string Constant(string name, Tensor value)
    {
        string unique = Unique(name);
        _initializers.Add(new TensorProto(unique, DataType(value.DType, name), [.. value.Shape.Select(d => (long)d)], RawData(value)));
        return unique;
    }

    /// <summary>Adds a node with one output, named from <paramref name="name"/>, and returns that output.</summary>
    public string Node(string opType, string name, string[] inputs, params AttributeProto[] attributes)
    {
        string output = Unique(name);
        _nodes.Add(new NodeProto(opType, output, inputs, [output], attributes));
        return output;
    }

    /// <summary>
    /// Makes <paramref name="value"/> available under <paramref name="outputName"/>: the node that produced it is renamed
    /// when there is one, and an Identity node is added when the value is the graph's input or an initializer.
    /// </summary>
    public void NameOutput(string value, string outputName)
    {
        var producer = _nodes.Count > 0 && _nodes[^1].Outputs[0] == value ? _nodes[^1] : null;
        bool usedLater = _nodes.Any(n => n.Inputs.Contains(value));
        if (producer is not null && !usedLater) producer.Outputs = [outputName];
        else _nodes.Add(new NodeProto("Identity", outputName, [value], [outputName], []));
    }

    /// <summary>The ONNX element type of <paramref name="dtype"/>.</summary>
    public static OnnxDataType DataType(DType dtype, string what) => dtype switch
    {
        DType.Float32 => OnnxDataType.Float,
        DType.Float64 => OnnxDataType.Double,
        DType.Int64 => OnnxDataType.Int64,
        DType.Bool => OnnxDataType.Bool,
        _ => throw new NotSupportedException($"ExportOnnx: '{what}' is {dtype.Name()}; only float32, float64, int64 and bool tensors are exported."),
    };

    /// <summary>The elements of <paramref name="value"/> row-major, fixed width and little endian, as raw_data holds them.</summary>
    private static byte[] RawData(Tensor value)
    {
        switch (value.DType)
        {
            case DType.Float32:
                {
                    var data = value.ToArray<float>();
                    if (!BitConverter.IsLittleEndian)
                        for (int i = 0; i < data.Length; i++) data[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReverseEndianness(BitConverter.SingleToInt32Bits(data[i])));
                    return MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
                }
            case DType.Float64:
                {
                    var data = value.ToArray<double>();
                    if (!BitConverter.IsLittleEndian)
                        for (int i = 0; i < data.Length; i++) data[i] = BitConverter.Int64BitsToDouble(BinaryPrimitives.ReverseEndianness(BitConverter.DoubleToInt64Bits(data[i])));
                    return MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
                }
            case DType.Int64:
                {
                    var data = value.ToArray<long>();
                    if (!BitConverter.IsLittleEndian)
                        for (int i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReverseEndianness(data[i]);
                    return MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
                }
            case DType.Bool:
                return Array.ConvertAll(value.ToArray<bool>(), b => b ? (byte)1 : (byte)0);
            default:
                throw new NotSupportedException($"ExportOnnx: {value.DType.Name()} tensors are not exported.");
        }
    }

    /// <summary>Compares initializer keys by the tensor's identity, not its value.</summary>
    private sealed class TensorKeyComparer : IEqualityComparer<(Tensor Tensor, bool Transposed)>
    {
        public bool Equals((Tensor Tensor, bool Transposed) x, (Tensor Tensor, bool Transposed) y) =>
            ReferenceEquals(x.Tensor, y.Tensor) && x.Transposed == y.Transposed;

        public int GetHashCode((Tensor Tensor, bool Transposed) obj) => HashCode.Combine(ReferenceEqualityComparer.Instance.GetHashCode(obj.Tensor), obj.Transposed);
    }
}
