using Google.Protobuf;

namespace Nabla.Onnx.Proto;

/// <summary>
/// The messages of <c>onnx/onnx.proto</c> (proto2, IR version 8) that an exported model uses, written by hand with
/// <see cref="CodedOutputStream"/> under onnx.proto's field numbers. Each message writes only the fields it holds;
/// repeated scalars are written unpacked, as proto2 declares them (parsers accept both encodings).
/// </summary>
internal interface IOnnxMessage
{
    /// <summary>Writes the message's fields, without a length prefix.</summary>
    void WriteTo(CodedOutputStream output);
}

/// <summary>The wire-format helpers the messages share.</summary>
internal static class Wire
{
    /// <summary>The message's encoding as bytes.</summary>
    public static byte[] Serialize(IOnnxMessage message)
    {
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
            message.WriteTo(output);
        return buffer.ToArray();
    }

    /// <summary>A nested message: its tag, its length and its bytes.</summary>
    public static void Message(CodedOutputStream output, int field, IOnnxMessage message) =>
        Bytes(output, field, Serialize(message));

    /// <summary>A length-delimited field holding <paramref name="bytes"/>.</summary>
    public static void Bytes(CodedOutputStream output, int field, byte[] bytes)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(UnsafeByteOperations.UnsafeWrap(bytes));
    }

    /// <summary>A string field, left out when null.</summary>
    public static void String(CodedOutputStream output, int field, string? value)
    {
        if (value is null) return;
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteString(value);
    }

    /// <summary>An int64 (or int32, or enum) field as a varint.</summary>
    public static void Varint(CodedOutputStream output, int field, long value)
    {
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteInt64(value);
    }

    /// <summary>A float field (fixed 32 bits).</summary>
    public static void Float(CodedOutputStream output, int field, float value)
    {
        output.WriteTag(field, WireFormat.WireType.Fixed32);
        output.WriteFloat(value);
    }
}

/// <summary><c>TensorProto.DataType</c>: the element types an exported model uses.</summary>
internal enum OnnxDataType
{
    /// <summary>float32.</summary>
    Float = 1,

    /// <summary>int64.</summary>
    Int64 = 7,

    /// <summary>bool.</summary>
    Bool = 9,

    /// <summary>float64.</summary>
    Double = 11,
}

/// <summary><c>OperatorSetIdProto</c>: domain = 1, version = 2.</summary>
internal sealed record OperatorSetIdProto(string Domain, long Version) : IOnnxMessage
{
    public void WriteTo(CodedOutputStream output)
    {
        if (Domain.Length > 0) Wire.String(output, 1, Domain);
        Wire.Varint(output, 2, Version);
    }
}

/// <summary>
/// <c>TensorProto</c>: dims = 1, data_type = 2, name = 8, raw_data = 9 (the elements row-major, fixed width, little
/// endian).
/// </summary>
internal sealed record TensorProto(string Name, OnnxDataType DataType, long[] Dims, byte[] RawData) : IOnnxMessage
{
    public void WriteTo(CodedOutputStream output)
    {
        foreach (long d in Dims) Wire.Varint(output, 1, d);
        Wire.Varint(output, 2, (long)DataType);
        Wire.String(output, 8, Name);
        Wire.Bytes(output, 9, RawData);
    }
}

/// <summary><c>AttributeProto.AttributeType</c>: the kinds of attribute an exported node uses.</summary>
internal enum AttributeType
{
    /// <summary>One float (field f).</summary>
    Float = 1,

    /// <summary>One int64 (field i).</summary>
    Int = 2,

    /// <summary>One UTF-8 string (field s).</summary>
    String = 3,

    /// <summary>A list of int64 (field ints).</summary>
    Ints = 7,
}

/// <summary>
/// <c>AttributeProto</c>: name = 1, f = 2, i = 3, s = 4, ints = 8, type = 20; one value field is set, as
/// <see cref="Type"/> says.
/// </summary>
internal sealed record AttributeProto(string Name, AttributeType Type, float F = 0, long I = 0, string? S = null, long[]? Ints = null) : IOnnxMessage
{
    /// <summary>An int attribute.</summary>
    public static AttributeProto Int(string name, long value) => new(name, AttributeType.Int, I: value);

    /// <summary>A float attribute.</summary>
    public static AttributeProto FloatValue(string name, double value) => new(name, AttributeType.Float, F: (float)value);

    /// <summary>A string attribute.</summary>
    public static AttributeProto StringValue(string name, string value) => new(name, AttributeType.String, S: value);

    /// <summary>An ints attribute.</summary>
    public static AttributeProto IntList(string name, params long[] values) => new(name, AttributeType.Ints, Ints: values);

    public void WriteTo(CodedOutputStream output)
    {
        Wire.String(output, 1, Name);
        switch (Type)
        {
            case AttributeType.Float: Wire.Float(output, 2, F); break;
            case AttributeType.Int: Wire.Varint(output, 3, I); break;
            case AttributeType.String: Wire.Bytes(output, 4, System.Text.Encoding.UTF8.GetBytes(S ?? "")); break;
            case AttributeType.Ints:
                foreach (long v in Ints ?? []) Wire.Varint(output, 8, v);
                break;
        }
        Wire.Varint(output, 20, (long)Type);
    }
}

/// <summary><c>NodeProto</c>: input = 1, output = 2, name = 3, op_type = 4, attribute = 5.</summary>
internal sealed record NodeProto(string OpType, string Name, string[] Inputs, string[] Outputs, AttributeProto[] Attributes) : IOnnxMessage
{
    /// <summary>The node's outputs; the graph builder renames the last node's output to the graph's output.</summary>
    public string[] Outputs { get; set; } = Outputs;

    public void WriteTo(CodedOutputStream output)
    {
        foreach (var input in Inputs) Wire.String(output, 1, input);
        foreach (var name in Outputs) Wire.String(output, 2, name);
        Wire.String(output, 3, Name);
        Wire.String(output, 4, OpType);
        foreach (var attribute in Attributes) Wire.Message(output, 5, attribute);
    }
}

/// <summary>
/// <c>ValueInfoProto</c> (name = 1, type = 2) of a tensor: its <c>TypeProto</c> (tensor_type = 1) is a
/// <c>TypeProto.Tensor</c> (elem_type = 1, shape = 2) whose <c>TensorShapeProto</c> (dim = 1) holds one
/// <c>Dimension</c> per dim: dim_value = 1 for a fixed size, dim_param = 2 for a named, variable one.
/// </summary>
internal sealed record ValueInfoProto(string Name, OnnxDataType ElemType, (long Value, string? Param)[] Dims) : IOnnxMessage
{
    public void WriteTo(CodedOutputStream output)
    {
        Wire.String(output, 1, Name);
        Wire.Message(output, 2, new Writer(o => Wire.Message(o, 1, new Writer(tensor =>
        {
            Wire.Varint(tensor, 1, (long)ElemType);
            Wire.Message(tensor, 2, new Writer(shape =>
            {
                foreach (var (value, param) in Dims)
                {
                    Wire.Message(shape, 1, new Writer(dim =>
                    {
                        if (param is not null) Wire.String(dim, 2, param);
                        else Wire.Varint(dim, 1, value);
                    }));
                }
            }));
        }))));
    }

    /// <summary>A nested message with no record of its own.</summary>
    private sealed class Writer(Action<CodedOutputStream> write) : IOnnxMessage
    {
        public void WriteTo(CodedOutputStream output) => write(output);
    }
}

/// <summary><c>GraphProto</c>: node = 1, name = 2, initializer = 5, input = 11, output = 12.</summary>
internal sealed record GraphProto(string Name, IReadOnlyList<NodeProto> Nodes, IReadOnlyList<TensorProto> Initializers,
    IReadOnlyList<ValueInfoProto> Inputs, IReadOnlyList<ValueInfoProto> Outputs) : IOnnxMessage
{
    public void WriteTo(CodedOutputStream output)
    {
        foreach (var node in Nodes) Wire.Message(output, 1, node);
        Wire.String(output, 2, Name);
        foreach (var initializer in Initializers) Wire.Message(output, 5, initializer);
        foreach (var input in Inputs) Wire.Message(output, 11, input);
        foreach (var value in Outputs) Wire.Message(output, 12, value);
    }
}

/// <summary>
/// <c>ModelProto</c>: ir_version = 1, producer_name = 2, producer_version = 3, doc_string = 6, graph = 7,
/// opset_import = 8.
/// </summary>
internal sealed record ModelProto(long IrVersion, IReadOnlyList<OperatorSetIdProto> OpsetImports, string ProducerName, string ProducerVersion,
    string DocString, GraphProto Graph) : IOnnxMessage
{
    public void WriteTo(CodedOutputStream output)
    {
        Wire.Varint(output, 1, IrVersion);
        Wire.String(output, 2, ProducerName);
        Wire.String(output, 3, ProducerVersion);
        Wire.String(output, 6, DocString);
        Wire.Message(output, 7, Graph);
        foreach (var opset in OpsetImports) Wire.Message(output, 8, opset);
    }
}
