using Google.Protobuf;
using Nabla.IO;
using Nabla.NN;
using Nabla.Onnx.Proto;

namespace Nabla.Onnx;

/// <summary>Writes a Nabla model as an ONNX model, to run in ONNX Runtime or any other runtime that reads ONNX.</summary>
public static class OnnxExport
{
    /// <summary>The ONNX operator set the exported models import.</summary>
    public const int Opset = 17;

    /// <summary>The ONNX IR version of the exported files (IR 8 came with opset 17).</summary>
    public const int IrVersion = 8;

    /// <summary>
    /// Writes <paramref name="model"/>, as in evaluation mode, as an ONNX model (opset 17) to <paramref name="path"/>.
    /// The export walks the module tree (it does not trace): <see cref="Sequential"/> and <see cref="Residual"/> connect
    /// their children, and each known layer becomes its ONNX operator — Linear as Gemm (MatMul and Add for inputs of
    /// another rank than 2), the convolutions and their transposes as Conv and ConvTranspose, BatchNorm (with its
    /// running statistics) as BatchNormalization, LayerNorm as LayerNormalization, GroupNorm as InstanceNormalization
    /// over the groups followed by the affine map, GELU and SiLU composed of Erf, Tanh, Sigmoid and Mul; dropout is
    /// left out. Any other module is refused with a <see cref="NotSupportedException"/> naming its path and type.
    /// The parameters are stored as initializers in the model's own dtype: a float32 model exports float32, a float64
    /// model float64 (ONNX Runtime's CPU provider has no float64 Conv, so convert such a model with
    /// <c>model.To(DType.Float32)</c> first). The model is run on <paramref name="sampleInput"/> to find every
    /// intermediate shape and the output's; the input's dtype becomes the graph input's (int64 indices for an
    /// Embedding). The file is written atomically: a reader sees the old file or the whole new one. The model's
    /// training mode is restored afterwards.
    /// </summary>
    /// <param name="model">The model to export.</param>
    /// <param name="path">The .onnx file to write.</param>
    /// <param name="sampleInput">An input of the shape the model takes (any values); its first dim is the batch.</param>
    /// <param name="inputName">The graph input's name.</param>
    /// <param name="outputName">The graph output's name.</param>
    /// <param name="dynamicBatch">
    /// When true, the first dim of the input and the output is the symbolic <c>batch</c>, so the model takes any batch
    /// size; a layer that mixes the batch dim with others (Flatten from dim 0, Softmax over dim 0) is then refused.
    /// When false, every dim is fixed to the sample's.
    /// </param>
    /// <exception cref="NotSupportedException">A module of the model has no ONNX translation.</exception>
    public static void ExportOnnx(this Module model, string path, Tensor sampleInput, string inputName = "input", string outputName = "output", bool dynamicBatch = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(sampleInput);
        ArgumentException.ThrowIfNullOrEmpty(inputName);
        ArgumentException.ThrowIfNullOrEmpty(outputName);
        if (inputName == outputName) throw new ArgumentException($"ExportOnnx: the input and output names must differ, both are '{inputName}'.", nameof(outputName));
        if (dynamicBatch && sampleInput.Rank == 0)
            throw new ArgumentException("ExportOnnx: a scalar sample input has no batch dim; pass dynamicBatch: false.", nameof(sampleInput));
        var bytes = ToOnnx(model, sampleInput, inputName, outputName, dynamicBatch);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>The encoded ONNX model of <paramref name="model"/> (see <see cref="ExportOnnx"/>).</summary>
    internal static byte[] ToOnnx(Module model, Tensor sampleInput, string inputName, string outputName, bool dynamicBatch)
    {
        var training = model.Modules().Select(m => (Module: m, m.IsTraining)).ToList();
        try
        {
            model.Eval();
            using var noGrad = Autograd.NoGrad();
            var expected = model.Forward(sampleInput);
            var graph = new OnnxGraphBuilder();
            graph.Reserve(inputName);
            graph.Reserve(outputName);
            var (value, sample) = new OnnxExporter(graph, dynamicBatch).Emit(model, "", inputName, sampleInput);
            if (!ShapeUtil.SameShape(sample.ShapeSpan, expected.ShapeSpan) || sample.DType != expected.DType)
                throw new InvalidOperationException($"ExportOnnx: the exported layers give {ShapeUtil.Describe(sample)} but the model gives {ShapeUtil.Describe(expected)}.");
            graph.NameOutput(value, outputName);
            var graphProto = new GraphProto("nabla", graph.Nodes, graph.Initializers,
                [ValueInfo(inputName, sampleInput, dynamicBatch)], [ValueInfo(outputName, expected, dynamicBatch)]);
            string version = typeof(Module).Assembly.GetName().Version?.ToString(3) ?? "";
            var proto = new ModelProto(IrVersion, [new OperatorSetIdProto("", Opset)], "Nabla", version, $"{model.GetType().Name} exported by Nabla", graphProto);
            using var buffer = new MemoryStream();
            using (var output = new CodedOutputStream(buffer, leaveOpen: true))
                proto.WriteTo(output);
            return buffer.ToArray();
        }
        finally
        {
            foreach (var (module, mode) in training) module.Train(mode);
        }
    }

    private static ValueInfoProto ValueInfo(string name, Tensor sample, bool dynamicBatch) =>
        new(name, OnnxGraphBuilder.DataType(sample.DType, name),
            [.. sample.Shape.Select((d, i) => dynamicBatch && i == 0 ? (0L, (string?)"batch") : (d, null))]);
}
