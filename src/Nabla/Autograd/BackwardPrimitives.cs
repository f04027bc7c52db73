using Nabla.Dispatch;
using Nabla.Kernels;

namespace Nabla;

internal abstract partial record OpKind
{
    /// <summary>the gradient of Conv2d with respect to its input (a transposed convolution of input 0 with weight input 1)</summary>
    public sealed record Conv2dBackwardInput(Conv2dGeometry Geometry) : OpKind;

    /// <summary>the gradient of Conv2d with respect to its weight (the correlation of input 0 with the forward input, input 1)</summary>
    public sealed record Conv2dBackwardWeight(Conv2dGeometry Geometry) : OpKind;

    /// <summary>routes gradients to the positions <paramref name="Forward"/> selected (the adjoint of its selection)</summary>
    public sealed record MaxPool2dBackward(MaxPool2d Forward) : OpKind;

    /// <summary>spreads gradients over <paramref name="Forward"/>'s windows (its adjoint)</summary>
    public sealed record AvgPool2dBackward(AvgPool2d Forward) : OpKind;

    /// <summary>the adjoint of <paramref name="Forward"/></summary>
    public sealed record AdaptiveAvgPool2dBackward(AdaptiveAvgPool2d Forward) : OpKind;
}

/// <summary>
/// The ops that only backward passes run: the derivatives of convolution and pooling, which are primitives of their own
/// (recorded, so that a backward pass with <c>createGraph: true</c> can be differentiated again, their own derivatives
/// being the forward ops), and the fused ReLU, softmax, normalisation and recurrent backward passes.
/// </summary>
internal static class BackwardPrimitives
{
    /// <summary>g where y &gt; 0, else 0, in one unrecorded pass: the ReLU backward (gradient g, saved output y).</summary>
    public static Tensor ReluBackward(Tensor g, Tensor y)
    {
        if (g.DType != y.DType)
        {
            var dtype = DTypeExtensions.Promote(g.DType, y.DType);
            (g, y) = (g.To(dtype), y.To(dtype));
        }
        var shape = ShapeUtil.SameShape(g.ShapeArray, y.ShapeArray) ? (int[])g.ShapeArray.Clone() : ShapeUtil.Broadcast("ReluBackward", g, y);
        return Elementwise.Binary<ReluBackwardOperator<float>, ReluBackwardOperator<double>>(Shared<OpKind.Relu>.Instance, g, y, shape);
    }

    /// <summary>The input gradient of Conv2d for output gradient <paramref name="gy"/> and weight <paramref name="w"/>.</summary>
    public static Tensor Conv2dBackwardInput(Conv2dGeometry g, Tensor gy, Tensor w) =>
        Tensor.Record(Convolution.Conv2dBackwardInput(g, gy, w), new OpKind.Conv2dBackwardInput(g), gy, w);

    /// <summary>The weight gradient of Conv2d for output gradient <paramref name="gy"/> and input <paramref name="x"/>.</summary>
    public static Tensor Conv2dBackwardWeight(Conv2dGeometry g, Tensor gy, Tensor x) =>
        Tensor.Record(Convolution.Conv2dBackwardWeight(g, gy, x), new OpKind.Conv2dBackwardWeight(g), gy, x);

    /// <summary>The input gradient of max pooling: <paramref name="gy"/> routed to the selected positions.</summary>
    public static Tensor MaxPool2dBackward(OpKind.MaxPool2d forward, Tensor gy) =>
        Tensor.Record(Pooling.MaxPool2dBackward(forward.Geometry, gy, forward.Argmax.Data), new OpKind.MaxPool2dBackward(forward), gy);

    /// <summary>The input gradient of average pooling: <paramref name="gy"/> spread over the windows.</summary>
    public static Tensor AvgPool2dBackward(OpKind.AvgPool2d forward, Tensor gy) =>
        Tensor.Record(Pooling.AvgPool2dBackward(forward.Geometry, forward.CountIncludePad, gy), new OpKind.AvgPool2dBackward(forward), gy);

    /// <summary>The input gradient of adaptive average pooling.</summary>
    public static Tensor AdaptiveAvgPool2dBackward(OpKind.AdaptiveAvgPool2d forward, Tensor gy) =>
        Tensor.Record(Pooling.AdaptiveAvgPool2dBackward(forward.InputShape, forward.OutHeight, forward.OutWidth, gy), new OpKind.AdaptiveAvgPool2dBackward(forward), gy);

    /// <summary>The softmax or log-softmax gradient over the last dim in one unrecorded pass per row.</summary>
    public static Tensor SoftmaxBackward(Tensor y, Tensor g, bool log) => Reduction.SoftmaxLastDimBackward(y, g, log);

    /// <summary>The gradients of a batch, group or layer norm in fused unrecorded passes: those asked for, null otherwise.</summary>
    public static (Tensor? Input, Tensor? Weight, Tensor? Bias) NormBackward(NormGeometry geometry, Tensor x, Tensor? w, Tensor g, double[] mean, double[] rstd,
        bool needInput, bool needWeight, bool needBias) =>
        geometry.IsBatch
            ? Normalization.BatchNormBackward(x, w, g, mean, rstd, geometry.BatchStatistics, needInput, needWeight, needBias)
            : Normalization.RowNormBackward(x, w, g, geometry.Rows, geometry.Groups, geometry.ChannelsPerGroup, geometry.Spatial, mean, rstd, geometry.AffineShape,
                needInput, needWeight, needBias);

    /// <summary>The LSTM step's backward in one unrecorded pass over the saved activations: the gate gradient and the gradient of c.</summary>
    public static (Tensor Gates, Tensor C) LstmCellBackward(OpKind.LstmCell forward, Tensor c, Tensor g) =>
        Recurrent.LstmCellBackward(forward.Workspace, c, g.DType == c.DType ? g : g.To(c.DType));

    /// <summary>
    /// The LSTM sequence's backward in one unrecorded pass backwards through time: the gradients of the input gates, of
    /// W_hh (null unless <paramref name="needWeight"/>), of h₀ and of c₀.
    /// </summary>
    public static (Tensor Gates, Tensor? Weight, Tensor H0, Tensor C0) LstmSequenceBackward(OpKind.LstmSequence forward, Tensor weight, Tensor h0, Tensor c0,
        Tensor output, Tensor g, bool needWeight) =>
        Recurrent.LstmSequenceBackward(weight, h0, c0, output, forward.Cells, forward.Workspace, g, forward.Reverse, forward.Lengths, needWeight);

    /// <summary>
    /// The GRU sequence's backward in one unrecorded pass backwards through time: the gradients of the input gates, of
    /// W_hh and b_hh (each only when wanted) and of h₀.
    /// </summary>
    public static (Tensor Gates, Tensor? Weight, Tensor? Bias, Tensor H0) GruSequenceBackward(OpKind.GruSequence forward, Tensor weight, Tensor h0,
        Tensor output, Tensor g, bool needWeight, bool needBias) =>
        Recurrent.GruSequenceBackward(weight, h0, output, forward.Recurrent, forward.Workspace, g, forward.Reverse, forward.Lengths, needWeight, needBias);

    /// <summary>The Elman RNN sequence's backward in one unrecorded pass backwards through time: the gradients of the input gates, of W_hh (when wanted) and of h₀.</summary>
    public static (Tensor Gates, Tensor? Weight, Tensor H0) RnnSequenceBackward(OpKind.RnnSequence forward, Tensor weight, Tensor h0, Tensor output, Tensor g,
        bool needWeight) =>
        Recurrent.RnnSequenceBackward(weight, h0, output, g, forward.IsRelu, forward.Reverse, forward.Lengths, needWeight);

    /// <summary>The GRU step's backward in one unrecorded pass over the saved activations: the gradients of gi, gh and h.</summary>
    public static (Tensor Gi, Tensor Gh, Tensor H) GruCellBackward(OpKind.GruCell forward, Tensor gh, Tensor h, Tensor g) =>
        Recurrent.GruCellBackward(forward.Workspace, gh, h, g.DType == h.DType ? g : g.To(h.DType));

    /// <summary>The adjoint of routing gradients to the max positions: the values of <paramref name="h"/> at those positions.</summary>
    public static Tensor MaxPool2dSelect(OpKind.MaxPool2d forward, Tensor h)
    {
        var p = forward.Geometry;
        var index = Tensor.FromArray(Array.ConvertAll(forward.Argmax.Data, i => (long)i), p.Batch, p.Channels, p.OutHeight * p.OutWidth);
        return h.Reshape(p.Batch, p.Channels, p.InHeight * p.InWidth).Gather(2, index).Reshape(p.Batch, p.Channels, p.OutHeight, p.OutWidth);
    }
}
