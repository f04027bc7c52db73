using System.Globalization;
using Nabla.NN;
using Nabla.Onnx.Proto;

namespace Nabla.Onnx;

/// <summary>
/// Translates a module tree into ONNX nodes by walking it, not by tracing: each known layer becomes its ONNX operator
/// (or a short composition of them), and containers (<see cref="Sequential"/>, <see cref="Residual"/>) connect their
/// children. Every module is also run on a sample of its input, so the walk knows each intermediate shape.
/// </summary>
internal sealed class OnnxExporter(OnnxGraphBuilder graph, bool dynamicBatch)
{
    /// <summary>The layers the exporter knows, for the message that refuses another.</summary>
    public const string Supported =
        "Sequential, Residual, Identity, Linear, Embedding, Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, BatchNorm1d, BatchNorm2d, " +
        "InstanceNorm1d/2d/3d, LayerNorm, GroupNorm, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten, Unflatten, Standardize, PixelShuffle, " +
        "ZeroPad/ConstantPad/ReflectionPad/ReplicationPad 1d-3d, the dropouts, ReLU, LeakyReLU, ELU, GELU, Sigmoid, Tanh, SiLU, Softplus, Softmax, LogSoftmax";

    /// <summary>
    /// Emits <paramref name="module"/> applied to the value <paramref name="input"/>, whose sample is
    /// <paramref name="sample"/>; returns the output's value name and sample.
    /// </summary>
    public (string Value, Tensor Sample) Emit(Module module, string path, string input, Tensor sample)
    {
        // A user's subclass of a built-in layer may compute something else in its Forward: only Nabla's own types are translated.
        if (module.GetType().Assembly != typeof(Module).Assembly) throw Unsupported(module, path, "it is not one of Nabla's layers");
        string name = path.Length == 0 ? module.GetType().Name : path;
        switch (module)
        {
            case Sequential sequential:
                {
                    var (value, current) = (input, sample);
                    foreach (var (childName, child) in sequential.NamedChildren())
                        (value, current) = Emit(child, Join(path, childName), value, current);
                    return (value, current);
                }
            case Residual residual:
                {
                    var (branch, branchSample) = Emit(residual.Block, Join(path, "block"), input, sample);
                    var (shortcut, _) = residual.Projection is { } projection ? Emit(projection, Join(path, "projection"), input, sample) : (input, sample);
                    return (graph.Node("Add", name, [shortcut, branch]), Run(module, sample));
                }
            case Identity:
            case Dropout or Dropout1d or Dropout2d or Dropout3d or AlphaDropout or FeatureAlphaDropout:
                return (input, sample);
        }
        var output = Run(module, sample);
        return (EmitLayer(module, path, name, input, sample, output), output);
    }

    private string EmitLayer(Module module, string path, string name, string x, Tensor sample, Tensor output)
    {
        switch (module)
        {
            case Linear linear:
                {
                    string? bias = linear.Bias is { } b ? graph.Parameter(Join(path, "bias"), b) : null;
                    if (sample.Rank == 2)
                    {
                        string w = graph.Parameter(Join(path, "weight"), linear.Weight);
                        return graph.Node("Gemm", name, bias is null ? [x, w] : [x, w, bias], AttributeProto.Int("transB", 1));
                    }
                    string wt = graph.Parameter(Join(path, "weight_t"), linear.Weight, transposed: true);
                    string product = graph.Node("MatMul", bias is null ? name : name + "_matmul", [x, wt]);
                    return bias is null ? product : graph.Node("Add", name, [product, bias]);
                }
            case Embedding embedding:
                return graph.Node("Gather", name, [graph.Parameter(Join(path, "weight"), embedding.Weight), x], AttributeProto.Int("axis", 0));
            case Convolution convolution:
                return EmitConvolution(convolution, path, name, x);
            case BatchNorm batchNorm:
                {
                    if (batchNorm.RunningMean is null || batchNorm.RunningVar is null)
                        throw Unsupported(module, path, "without running statistics it normalises with each batch's own statistics, even in evaluation mode");
                    return BatchNormalization(path, name, x, batchNorm.NumFeatures, batchNorm.Weight, batchNorm.Bias, batchNorm.RunningMean, batchNorm.RunningVar,
                        batchNorm.Eps, sample.DType);
                }
            case InstanceNorm instanceNorm:
                {
                    if (!IsBatched(instanceNorm, sample))
                        throw Unsupported(module, path, $"only batched (N, C, *) inputs are exported, got {ShapeUtil.Describe(sample)}");
                    int channels = sample.Shape[1];
                    if (instanceNorm.RunningMean is { } mean && instanceNorm.RunningVar is { } variance)
                        return BatchNormalization(path, name, x, channels, instanceNorm.Weight, instanceNorm.Bias, mean, variance, instanceNorm.Eps, sample.DType);
                    string scale = instanceNorm.Weight is { } w ? graph.Parameter(Join(path, "weight"), w) : graph.Constant(Join(path, "ones"), Tensor.Ones([channels], sample.DType));
                    string shift = instanceNorm.Bias is { } b ? graph.Parameter(Join(path, "bias"), b) : graph.Constant(Join(path, "zeros"), Tensor.Zeros([channels], sample.DType));
                    return graph.Node("InstanceNormalization", name, [x, scale, shift], AttributeProto.FloatValue("epsilon", instanceNorm.Eps));
                }
            case LayerNorm layerNorm:
                {
                    int axis = sample.Rank - layerNorm.NormalizedShape.Count;
                    CheckBatchKept(module, path, axis, "normalises over the batch dim");
                    int[] shape = [.. layerNorm.NormalizedShape];
                    string scale = layerNorm.Weight is { } w ? graph.Parameter(Join(path, "weight"), w) : graph.Constant(Join(path, "ones"), Tensor.Ones(shape, sample.DType));
                    string[] inputs = layerNorm.Bias is { } b ? [x, scale, graph.Parameter(Join(path, "bias"), b)] : [x, scale];
                    return graph.Node("LayerNormalization", name, inputs, AttributeProto.Int("axis", axis), AttributeProto.FloatValue("epsilon", layerNorm.Eps));
                }
            case GroupNorm groupNorm:
                return EmitGroupNorm(groupNorm, path, name, x, sample);
            case MaxPool2d pool:
                return graph.Node("MaxPool", name, [x], AttributeProto.IntList("kernel_shape", pool.KernelSize, pool.KernelSize),
                    AttributeProto.IntList("strides", pool.Stride, pool.Stride), AttributeProto.IntList("pads", pool.Padding, pool.Padding, pool.Padding, pool.Padding),
                    AttributeProto.IntList("dilations", pool.Dilation, pool.Dilation), AttributeProto.Int("ceil_mode", pool.CeilMode ? 1 : 0));
            case AvgPool2d pool:
                return graph.Node("AveragePool", name, [x], AttributeProto.IntList("kernel_shape", pool.KernelSize, pool.KernelSize),
                    AttributeProto.IntList("strides", pool.Stride, pool.Stride), AttributeProto.IntList("pads", pool.Padding, pool.Padding, pool.Padding, pool.Padding),
                    AttributeProto.Int("ceil_mode", pool.CeilMode ? 1 : 0), AttributeProto.Int("count_include_pad", pool.CountIncludePad ? 1 : 0));
            case AdaptiveAvgPool2d pool:
                {
                    int h = sample.Shape[^2], w = sample.Shape[^1], oh = pool.OutputSize.H, ow = pool.OutputSize.W;
                    if (oh == 1 && ow == 1) return graph.Node("GlobalAveragePool", name, [x]);
                    if (h % oh != 0 || w % ow != 0)
                    {
                        throw Unsupported(module, path, string.Create(CultureInfo.InvariantCulture,
                            $"an output of {oh}×{ow} from an input of {h}×{w} has windows of unequal sizes, which no ONNX pooling computes; use an output size that divides the input's"));
                    }
                    return graph.Node("AveragePool", name, [x], AttributeProto.IntList("kernel_shape", h / oh, w / ow), AttributeProto.IntList("strides", h / oh, w / ow));
                }
            case Flatten flatten:
                {
                    int start = Normalize(flatten.StartDim, sample.Rank), end = Normalize(flatten.EndDim, sample.Rank);
                    if (start >= end) return Rename(x, name);
                    if (start == 1 && end == sample.Rank - 1) return graph.Node("Flatten", name, [x], AttributeProto.Int("axis", 1));
                    CheckBatchKept(module, path, start, "merges the batch dim with others");
                    return Reshape(name, x, start, output);
                }
            case Unflatten unflatten:
                {
                    int dim = Normalize(unflatten.Dim, sample.Rank);
                    CheckBatchKept(module, path, dim, "splits the batch dim");
                    return Reshape(name, x, dim, output);
                }
            case Standardize standardize:
                {
                    string centred = graph.Node("Sub", name + "_centred", [x, graph.Parameter(Join(path, "mean"), standardize.Mean)]);
                    return graph.Node("Div", name, [centred, graph.Parameter(Join(path, "std"), standardize.Std)]);
                }
            case PixelShuffle shuffle:
                if (sample.Rank != 4) throw Unsupported(module, path, $"only (N, C, H, W) inputs are exported, got {ShapeUtil.Describe(sample)}");
                return graph.Node("DepthToSpace", name, [x], AttributeProto.Int("blocksize", shuffle.UpscaleFactor), AttributeProto.StringValue("mode", "CRD"));
            case PadNd pad:
                return EmitPad(pad, path, name, x, sample);
            case ReLU:
                return graph.Node("Relu", name, [x]);
            case LeakyReLU leaky:
                return graph.Node("LeakyRelu", name, [x], AttributeProto.FloatValue("alpha", leaky.NegativeSlope));
            case ELU elu:
                return graph.Node("Elu", name, [x], AttributeProto.FloatValue("alpha", elu.Alpha));
            case Sigmoid:
                return graph.Node("Sigmoid", name, [x]);
            case Tanh:
                return graph.Node("Tanh", name, [x]);
            case SiLU:
                return graph.Node("Mul", name, [x, graph.Node("Sigmoid", name + "_sigmoid", [x])]);
            case GELU gelu:
                return EmitGelu(gelu, name, x, sample.DType);
            case Softplus softplus:
                {
                    var dtype = sample.DType;
                    string scaled = softplus.Beta == 1 ? x : graph.Node("Mul", name + "_scaled", [x, graph.Scalar(name + "_beta", softplus.Beta, dtype)]);
                    string smooth = graph.Node("Softplus", name + "_smooth", [scaled]);
                    if (softplus.Beta != 1) smooth = graph.Node("Div", name + "_unscaled", [smooth, graph.Scalar(name + "_beta", softplus.Beta, dtype)]);
                    string linear = graph.Node("Greater", name + "_linear", [scaled, graph.Scalar(name + "_threshold", softplus.Threshold, dtype)]);
                    return graph.Node("Where", name, [linear, x, smooth]);
                }
            case Softmax softmax:
                {
                    int axis = Normalize(softmax.Dim, sample.Rank);
                    CheckBatchKept(module, path, axis, "normalises over the batch dim");
                    return graph.Node("Softmax", name, [x], AttributeProto.Int("axis", axis));
                }
            case LogSoftmax logSoftmax:
                {
                    int axis = Normalize(logSoftmax.Dim, sample.Rank);
                    CheckBatchKept(module, path, axis, "normalises over the batch dim");
                    return graph.Node("LogSoftmax", name, [x], AttributeProto.Int("axis", axis));
                }
            default:
                throw Unsupported(module, path, "it has no ONNX translation");
        }
    }

    private string EmitConvolution(Convolution convolution, string path, string name, string x)
    {
        var weight = convolution.Weight;
        int dims = weight.Rank - 2;
        long[] kernel = [.. weight.Shape.Skip(2).Select(k => (long)k)];
        var (stride, padding, dilation, outputPadding) = convolution switch
        {
            Conv1d c => ([c.Stride], [c.Padding], [c.Dilation], new long[1]),
            Conv2d c => (new long[] { c.Stride.H, c.Stride.W }, new long[] { c.Padding.H, c.Padding.W }, new long[] { c.Dilation.H, c.Dilation.W }, new long[2]),
            ConvTranspose1d c => ([c.Stride], [c.Padding], [c.Dilation], [c.OutputPadding]),
            ConvTranspose2d c => (new long[] { c.Stride.H, c.Stride.W }, new long[] { c.Padding.H, c.Padding.W }, new long[] { c.Dilation.H, c.Dilation.W },
                new long[] { c.OutputPadding.H, c.OutputPadding.W }),
            _ => throw Unsupported(convolution, path, "it has no ONNX translation"),
        };
        // A "same" padding puts the odd row or column of an even kernel's total padding at the end.
        long[] after = [.. Enumerable.Range(0, dims).Select(d => convolution.PaddingString == "same" ? (dilation[d] * (kernel[d] - 1)) - padding[d] : padding[d])];
        long[] pads = [.. padding, .. after];
        if (convolution.PaddingMode != "zeros")
        {
            string mode = convolution.PaddingMode switch
            {
                "reflect" => "reflect",
                "replicate" => "edge",
                _ => throw Unsupported(convolution, path, $"opset 17 has no '{convolution.PaddingMode}' padding"),
            };
            x = graph.Node("Pad", name + "_pad", [x, graph.Int64s(name + "_pads", [0, 0, .. padding, 0, 0, .. after])], AttributeProto.StringValue("mode", mode));
            pads = new long[2 * dims];
        }
        string w = graph.Parameter(Join(path, "weight"), weight);
        string[] inputs = convolution.Bias is { } b ? [x, w, graph.Parameter(Join(path, "bias"), b)] : [x, w];
        List<AttributeProto> attributes =
        [
            AttributeProto.IntList("kernel_shape", kernel), AttributeProto.IntList("strides", stride), AttributeProto.IntList("pads", pads),
            AttributeProto.IntList("dilations", dilation), AttributeProto.Int("group", convolution.Groups),
        ];
        if (convolution.Transposed) attributes.Add(AttributeProto.IntList("output_padding", outputPadding));
        return graph.Node(convolution.Transposed ? "ConvTranspose" : "Conv", name, inputs, [.. attributes]);
    }

    private string EmitGroupNorm(GroupNorm groupNorm, string path, string name, string x, Tensor sample)
    {
        // opset 17 has no GroupNormalization: normalise each group as one instance of an (N, G, rest) tensor, then
        // restore the shape and apply the per-channel affine map.
        var dtype = sample.DType;
        int groups = groupNorm.NumGroups, channels = groupNorm.NumChannels;
        string grouped = graph.Node("Reshape", name + "_grouped", [x, graph.Int64s(name + "_group_shape", 0, groups, -1)]);
        string normalised = graph.Node("InstanceNormalization", name + "_normalised",
            [grouped, graph.Constant(name + "_ones", Tensor.Ones([groups], dtype)), graph.Constant(name + "_zeros", Tensor.Zeros([groups], dtype))],
            AttributeProto.FloatValue("epsilon", groupNorm.Eps));
        string shape = graph.Node("Shape", name + "_shape", [x]);
        string restored = graph.Node("Reshape", groupNorm.Weight is null && groupNorm.Bias is null ? name : name + "_restored", [normalised, shape]);
        if (groupNorm.Weight is null && groupNorm.Bias is null) return restored;
        int[] perChannel = [channels, .. Enumerable.Repeat(1, sample.Rank - 2)];
        string scaled = restored;
        if (groupNorm.Weight is { } w)
            scaled = graph.Node("Mul", groupNorm.Bias is null ? name : name + "_scaled", [restored, graph.Constant(Join(path, "weight"), w.Reshape(perChannel))]);
        return groupNorm.Bias is { } b ? graph.Node("Add", name, [scaled, graph.Constant(Join(path, "bias"), b.Reshape(perChannel))]) : scaled;
    }

    private string EmitPad(PadNd pad, string path, string name, string x, Tensor sample)
    {
        string mode = pad.Mode switch
        {
            "constant" => "constant",
            "reflect" => "reflect",
            "replicate" => "edge",
            _ => throw Unsupported(pad, path, $"opset 17 has no '{pad.Mode}' padding"),
        };
        int rank = sample.Rank;
        var pads = new long[2 * rank];
        // The layer lists (before, after) pairs from the last dim backwards; ONNX lists every dim's begin, then every dim's end.
        for (int j = 0; j < pad.Dims; j++)
        {
            int dim = rank - 1 - j;
            pads[dim] = pad.Padding[2 * j];
            pads[rank + dim] = pad.Padding[(2 * j) + 1];
        }
        var inputs = new List<string> { x, graph.Int64s(name + "_pads", pads) };
        if (pad is ConstantPad1d or ConstantPad2d or ConstantPad3d)
        {
            double value = pad switch { ConstantPad1d p => p.Value, ConstantPad2d p => p.Value, ConstantPad3d p => p.Value, _ => 0 };
            if (value != 0) inputs.Add(graph.Scalar(name + "_value", value, sample.DType));
        }
        return graph.Node("Pad", name, [.. inputs], AttributeProto.StringValue("mode", mode));
    }

    private string EmitGelu(GELU gelu, string name, string x, DType dtype)
    {
        string half = graph.Scalar(name + "_half", 0.5, dtype), one = graph.Scalar(name + "_one", 1, dtype);
        string inner;
        if (gelu.Approximate == "tanh")
        {
            // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
            string cube = graph.Node("Mul", name + "_cube", [graph.Node("Mul", name + "_square", [x, x]), x]);
            string cubic = graph.Node("Add", name + "_cubic", [x, graph.Node("Mul", name + "_cube_scaled", [cube, graph.Scalar(name + "_kappa", 0.044715, dtype)])]);
            inner = graph.Node("Tanh", name + "_tanh", [graph.Node("Mul", name + "_tanh_arg", [cubic, graph.Scalar(name + "_sqrt_2_over_pi", Math.Sqrt(2 / Math.PI), dtype)])]);
        }
        else
        {
            // 0.5·x·(1 + erf(x / √2))
            inner = graph.Node("Erf", name + "_erf", [graph.Node("Mul", name + "_erf_arg", [x, graph.Scalar(name + "_inv_sqrt2", 1 / Math.Sqrt(2), dtype)])]);
        }
        string gate = graph.Node("Mul", name + "_gate", [graph.Node("Add", name + "_one_plus", [inner, one]), half]);
        return graph.Node("Mul", name, [x, gate]);
    }

    private string BatchNormalization(string path, string name, string x, int channels, Tensor? weight, Tensor? bias, Tensor mean, Tensor variance, double eps, DType dtype)
    {
        string scale = weight is not null ? graph.Parameter(Join(path, "weight"), weight) : graph.Constant(Join(path, "ones"), Tensor.Ones([channels], dtype));
        string shift = bias is not null ? graph.Parameter(Join(path, "bias"), bias) : graph.Constant(Join(path, "zeros"), Tensor.Zeros([channels], dtype));
        return graph.Node("BatchNormalization", name,
            [x, scale, shift, graph.Parameter(Join(path, "running_mean"), mean), graph.Parameter(Join(path, "running_var"), variance)],
            AttributeProto.FloatValue("epsilon", eps));
    }

    /// <summary>A Reshape that keeps the first <paramref name="kept"/> dims (0 copies a dim) and fixes the rest from the sample output.</summary>
    private string Reshape(string name, string x, int kept, Tensor output)
    {
        long[] shape = [.. Enumerable.Repeat(0L, kept), .. output.Shape.Skip(kept).Select(d => (long)d)];
        return graph.Node("Reshape", name, [x, graph.Int64s(name + "_target", shape)]);
    }

    private string Rename(string x, string name) => graph.Node("Identity", name, [x]);

    private void CheckBatchKept(Module module, string path, int dim, string what)
    {
        if (dynamicBatch && dim == 0) throw Unsupported(module, path, $"it {what}, so the model cannot take any batch size; export with dynamicBatch: false");
    }

    private static bool IsBatched(InstanceNorm norm, Tensor sample) => norm switch
    {
        InstanceNorm1d => sample.Rank == 3,
        InstanceNorm2d => sample.Rank == 4,
        _ => sample.Rank == 5,
    };

    private static Tensor Run(Module module, Tensor sample) => module.Forward(sample);

    private static int Normalize(int dim, int rank) => dim < 0 ? dim + rank : dim;

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    /// <summary>The refusal of a module the exporter cannot translate, naming its path and type.</summary>
    public static NotSupportedException Unsupported(Module module, string path, string why) =>
        new($"ExportOnnx: the module '{(path.Length == 0 ? "(root)" : path)}' ({module.GetType().FullName}) cannot be exported to ONNX: {why}. Supported layers: {Supported}.");
}
