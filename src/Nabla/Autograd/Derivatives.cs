using Nabla.Dispatch;

namespace Nabla;

/// <summary>
/// The derivative table: for every primitive in <see cref="OpKind"/>, the gradients of its inputs given the gradient
/// <c>g</c> of its output <c>y</c> (vector-Jacobian products). It is the only place where backward formulas live. The
/// formulas use differentiable tensor ops, so a backward pass recorded with <c>createGraph: true</c> can itself be
/// differentiated. Broadcast inputs receive gradients of the output's shape; <see cref="Engine"/> sums them back to
/// the input's shape. A formula that reads an input or the output takes it through <see cref="Node.Saved"/> or
/// <see cref="Node.SavedOutput"/>, which catch an in-place change since the forward pass.
/// </summary>
internal static class Derivatives
{
    public static Tensor?[] Backward(Node node, Tensor g, Tensor y) => node.Op switch
    {
        OpKind.Add => [g, g],
        OpKind.Sub => [g, Need(node, 1) ? -g : null],
        OpKind.Mul => [
            Need(node, 0) ? g * node.Saved(1) : null,
            Need(node, 1) ? g * node.Saved(0) : null],
        OpKind.Div => [
            Need(node, 0) ? g / node.Saved(1) : null,
            Need(node, 1) ? -g * (node.Saved(0) / node.Saved(1) / node.Saved(1)) : null],
        OpKind.Pow => PowBackward(node, g, node.SavedOutput(y)),
        OpKind.Maximum => ExtremumBackward(node, g, max: true),
        OpKind.Minimum => ExtremumBackward(node, g, max: false),
        OpKind.Neg => [-g],
        OpKind.Exp => [g * node.SavedOutput(y)],
        OpKind.Log => [g / node.Saved(0)],
        OpKind.Log1p => [g / (1.0 + node.Saved(0))],
        OpKind.Sqrt => [g * 0.5 / node.SavedOutput(y)],
        OpKind.Abs => [g * node.Saved(0).Sign()],
        OpKind.Relu => [ReluBackward(g, node.SavedOutput(y))],
        OpKind.Sigmoid => [g * node.SavedOutput(y) * (1.0 - y)],
        OpKind.Tanh => [g * ((1.0 - node.SavedOutput(y)) * (1.0 + y))],
        OpKind.Sin => [g * node.Saved(0).Cos()],
        OpKind.Cos => [-g * node.Saved(0).Sin()],
        OpKind.Erf => [g * (2 / Math.Sqrt(Math.PI)) * (-node.Saved(0).Square()).Exp()],
        OpKind.Softplus => [g * node.Saved(0).Sigmoid()],
        OpKind.Where => WhereBackward(node, g),
        OpKind.Sum => [g.Expand(node.Inputs[0].ShapeArray)],
        OpKind.Max max => ReduceExtremumBackward(node, g, node.SavedOutput(y), max.Dims),
        OpKind.Min min => ReduceExtremumBackward(node, g, node.SavedOutput(y), min.Dims),
        OpKind.Softmax softmax => [SoftmaxBackward(node.SavedOutput(y), g, softmax.Dim, log: false)],
        OpKind.LogSoftmax logSoftmax => [SoftmaxBackward(node.SavedOutput(y), g, logSoftmax.Dim, log: true)],
        OpKind.MatMul => [
            Need(node, 0) ? g.MatMul(node.Saved(1).Transpose(-1, -2)) : null,
            Need(node, 1) ? node.Saved(0).Transpose(-1, -2).MatMul(g) : null],
        OpKind.Linear => LinearBackward(node, g),
        OpKind.Reshape => [g.Reshape(node.Inputs[0].ShapeArray)],
        OpKind.Permute permute => [g.Permute(Inverse(permute.Dims))],
        OpKind.Expand => [g],
        OpKind.Narrow narrow => [g.Pad(narrow.Dim, narrow.Start, node.Inputs[0].ShapeArray[narrow.Dim] - narrow.Start - narrow.Length)],
        OpKind.Pad pad => [g.Narrow(pad.Dim, pad.Before, node.Inputs[0].ShapeArray[pad.Dim])],
        OpKind.Flip flip => [g.Flip(flip.Dims)],
        OpKind.Diagonal diagonal => [Tensor.DiagEmbedOp(g, node.Inputs[0].ShapeArray, diagonal.Offset, diagonal.Dim1, diagonal.Dim2)],
        OpKind.DiagEmbed embed => [g.Diagonal(embed.Offset, embed.Dim1, embed.Dim2)],
        OpKind.Contiguous => [g],
        OpKind.Cast => [g.To(node.Inputs[0].DType)],
        OpKind.Cat cat => CatBackward(node, g, cat.Dim),
        OpKind.IndexSelect select => [Tensor.ZerosLike(node.Inputs[0]).IndexAdd(select.Dim, node.Inputs[1], g), null],
        OpKind.IndexAdd add => [g, null, Need(node, 2) ? g.IndexSelect(add.Dim, node.Inputs[1]) : null],
        OpKind.Gather gather => [Tensor.ZerosLike(node.Inputs[0]).ScatterAdd(gather.Dim, node.Inputs[1], g), null],
        OpKind.ScatterAdd scatter => [g, null, Need(node, 2) ? g.Gather(scatter.Dim, node.Inputs[1]) : null],
        OpKind.AsStrided view => [Tensor.AsStridedScatterZeros(g, node.Inputs[0].ShapeArray, view.Shape, view.Strides, view.Offset)],
        OpKind.AsStridedScatter scatter => [g.AsStridedOp(scatter.Shape, scatter.Strides, scatter.Offset)],
        OpKind.CopySlices copy => [
            Need(node, 0) ? Tensor.Where(Tensor.RegionMask(node.Inputs[0].ShapeArray, copy.Shape, copy.Strides, copy.Offset), Tensor.Scalar(0, g.DType), g) : null,
            Need(node, 1) ? g.AsStridedOp(copy.Shape, copy.Strides, copy.Offset) : null],
        OpKind.Conv2d conv => Conv2dBackward(node, g, conv.Geometry),
        OpKind.Conv2dBackwardInput conv => [
            Need(node, 0) ? Tensor.Conv2dOp(new OpKind.Conv2d(conv.Geometry), g, node.Saved(1), null) : null,
            Need(node, 1) ? BackwardPrimitives.Conv2dBackwardWeight(conv.Geometry, node.Saved(0), g) : null],
        OpKind.Conv2dBackwardWeight conv => [
            Need(node, 0) ? Tensor.Conv2dOp(new OpKind.Conv2d(conv.Geometry), node.Saved(1), g, null) : null,
            Need(node, 1) ? BackwardPrimitives.Conv2dBackwardInput(conv.Geometry, node.Saved(0), g) : null],
        OpKind.MaxPool2d pool => [BackwardPrimitives.MaxPool2dBackward(pool, g)],
        OpKind.MaxPool2dBackward pool => [BackwardPrimitives.MaxPool2dSelect(pool.Forward, g)],
        OpKind.AvgPool2d pool => [BackwardPrimitives.AvgPool2dBackward(pool, g)],
        OpKind.AvgPool2dBackward pool => [Tensor.AvgPool2dOp(pool.Forward, g)],
        OpKind.AdaptiveAvgPool2d pool => [BackwardPrimitives.AdaptiveAvgPool2dBackward(pool, g)],
        OpKind.AdaptiveAvgPool2dBackward pool => [Tensor.AdaptiveAvgPool2dOp(pool.Forward, g)],
        OpKind.BatchNorm norm => NormBackward(node, g, norm.HasWeight, norm.HasBias, NormGeometry.Of(node.Inputs[0], norm), norm.Eps, norm.Mean, norm.Rstd),
        OpKind.GroupNorm norm => NormBackward(node, g, norm.HasWeight, norm.HasBias, NormGeometry.Of(node.Inputs[0], norm), norm.Eps, norm.Mean, norm.Rstd),
        OpKind.LayerNorm norm => NormBackward(node, g, norm.HasWeight, norm.HasBias, NormGeometry.Of(node.Inputs[0], norm), norm.Eps, norm.Mean, norm.Rstd),
        OpKind.Checkpoint checkpoint => checkpoint.Function.Backward(node, g),
        OpKind.Custom custom => custom.Function.Backward(node, g),
        OpKind.LstmCell lstm => LstmCellBackward(node, g, lstm),
        OpKind.LstmSequence sequence => LstmSequenceBackward(node, g, y, sequence),
        OpKind.GruSequence sequence => GruSequenceBackward(node, g, y, sequence),
        OpKind.RnnSequence sequence => RnnSequenceBackward(node, g, y, sequence),
        OpKind.GruCell gru => GruCellBackward(node, g, gru),
        OpKind.Floor or OpKind.Ceil or OpKind.Round or OpKind.Trunc or OpKind.Sign => [Tensor.ZerosLike(g)],
        OpKind.Tan => [g * (1.0 + node.SavedOutput(y).Square())],
        OpKind.Asin => [g / (1.0 - node.Saved(0).Square()).Sqrt()],
        OpKind.Acos => [-g / (1.0 - node.Saved(0).Square()).Sqrt()],
        OpKind.Atan => [g / (1.0 + node.Saved(0).Square())],
        OpKind.Atan2 => Atan2Backward(node, g),
        OpKind.Sinh => [g * node.Saved(0).Cosh()],
        OpKind.Cosh => [g * node.Saved(0).Sinh()],
        OpKind.Asinh => [g / (node.Saved(0).Square() + 1.0).Sqrt()],
        OpKind.Acosh => [g / (node.Saved(0).Square() - 1.0).Sqrt()],
        OpKind.Atanh => [g / (1.0 - node.Saved(0).Square())],
        OpKind.Log2 => [g / (node.Saved(0) * Math.Log(2))],
        OpKind.Log10 => [g / (node.Saved(0) * Math.Log(10))],
        OpKind.Exp2 => [g * node.SavedOutput(y) * Math.Log(2)],
        OpKind.Expm1 => [g * (node.SavedOutput(y) + 1.0)],
        OpKind.Hypot => [
            Need(node, 0) ? g * node.Saved(0) / node.SavedOutput(y) : null,
            Need(node, 1) ? g * node.Saved(1) / node.SavedOutput(y) : null],
        OpKind.Fmod => [g, Need(node, 1) ? -g * Mask((node.Saved(0) / node.Saved(1)).Trunc()) : null],
        OpKind.Remainder => [g, Need(node, 1) ? -g * Mask((node.Saved(0) / node.Saved(1)).Floor()) : null],
        OpKind.CumSum cumSum => [g.CumSumOp(cumSum.Dim, !cumSum.Reverse)],
        OpKind.LogCumSumExp scan => [LogCumSumExpBackward(g, node.Saved(0), node.SavedOutput(y), scan.Dim, scan.Reverse)],
        OpKind.CumProd cumProd => [CumProdBackward(node, g, node.SavedOutput(y), cumProd.Dim)],
        OpKind.Median => ReduceExtremumBackward(node, g, node.SavedOutput(y), null),
        OpKind.Svd svd => [SvdBackward(g, node.SavedOutput(y), svd.M, svd.N)],
        _ => throw new NotSupportedException($"{node.Op.Name}: no derivative in the table."),
    };

    private static bool Need(Node node, int i) => node.NeedsGrad(i);

    /// <summary>
    /// PyTorch's svd_backward for real matrices: with F = (S²ⱼ − S²ᵢ) off the diagonal, the gradient is
    /// U·[((skew(Uᵀ·gU)·S + S·skew(Vh·gVhᵀ)) / F) + diag(gS)]·Vh, plus the parts of gU (gVh) outside the span of U (V)
    /// when A is tall (wide). Quotients whose numerator is zero by construction (equal singular values under a loss that
    /// does not look at U or V, a zero singular value with no gradient on its vectors) are taken as 0, so singular
    /// values alone have the gradient U·diag(gS)·Vh even when they repeat or vanish.
    /// </summary>
    private static Tensor SvdBackward(Tensor g, Tensor y, int m, int n)
    {
        var (u, s, vh) = Tensor.SplitSvd(y, m, n);
        var (gu, gs, gvh) = Tensor.SplitSvd(g, m, n);
        static Tensor Skew(Tensor x) => x - x.Transpose(-1, -2);
        static Tensor SafeDivide(Tensor x, Tensor d)
        {
            var zero = d.Eq(0.0);
            return Tensor.Where(zero, x * 0.0, x / (d + zero.To(d.DType)));
        }
        var s2 = s * s;
        var f = s2.Unsqueeze(-2) - s2.Unsqueeze(-1);
        var inner = SafeDivide((Skew(u.Transpose(-1, -2).MatMul(gu)) * s.Unsqueeze(-2)) + (s.Unsqueeze(-1) * Skew(vh.MatMul(gvh.Transpose(-1, -2)))), f)
            + gs.DiagEmbed();
        if (m > n)
        {
            var guOverS = SafeDivide(gu, s.Unsqueeze(-2).ExpandAs(gu));
            return (u.MatMul(inner) + guOverS - u.MatMul(u.Transpose(-1, -2).MatMul(guOverS))).MatMul(vh);
        }
        if (m < n)
        {
            var gvhOverS = SafeDivide(gvh, s.Unsqueeze(-1).ExpandAs(gvh));
            return u.MatMul(inner.MatMul(vh) + gvhOverS - gvhOverS.MatMul(vh.Transpose(-1, -2)).MatMul(vh));
        }
        return u.MatMul(inner).MatMul(vh);
    }

    /// <summary>
    /// PyTorch's logcumsumexp_backward: ∂L/∂xᵢ = Σⱼ gⱼ·exp(xᵢ − yⱼ) over the j whose running sums include i, computed
    /// as exp(xᵢ + logcumsumexp(log gⱼ − yⱼ)) taken the other way, once for the positive and once for the negative
    /// parts of g, so that it neither overflows nor underflows.
    /// </summary>
    private static Tensor LogCumSumExpBackward(Tensor g, Tensor x, Tensor y, int dim, bool reverse)
    {
        if (g.Rank == 0 || g.Numel == 0) return g;
        var lowest = Tensor.Scalar(g.DType == DType.Float32 ? float.MinValue : double.MinValue, g.DType);
        var logAbs = g.Abs().Log();
        var logPositive = Tensor.Where(Mask(g > 0), logAbs, lowest);
        var logNegative = Tensor.Where(Mask(g < 0), logAbs, lowest);
        var positive = ((logPositive - y).LogCumSumExpOp(dim, !reverse) + x).Exp();
        var negative = ((logNegative - y).LogCumSumExpOp(dim, !reverse) + x).Exp();
        return positive - negative;
    }

    /// <summary>A comparison result used as a constant factor: never part of the graph.</summary>
    private static Tensor Mask(Tensor m) => m.Detach();

    /// <summary>g where y &gt; 0: one fused pass, or mask-and-multiply when the backward pass is itself being recorded.</summary>
    private static Tensor ReluBackward(Tensor g, Tensor y) =>
        Autograd.IsGradEnabled && g.RequiresGrad ? g * Mask(y.Gt(0.0)) : BackwardPrimitives.ReluBackward(g, y);

    /// <summary>
    /// Softmax: y·(g − Σ g·y); log-softmax: g − e^y·Σ g, the sums over <paramref name="dim"/>. One fused pass per row over
    /// the last dim, or, when the backward pass is recorded or the dim is another, the formula in differentiable ops.
    /// </summary>
    private static Tensor SoftmaxBackward(Tensor y, Tensor g, int dim, bool log)
    {
        if (!Autograd.IsGradEnabled && y.Rank > 0 && dim == y.Rank - 1 && g.DType == y.DType)
            return BackwardPrimitives.SoftmaxBackward(y, g, log);
        return log ? g - (y.Exp() * g.Sum(dim, keepDim: true)) : y * (g - (g * y).Sum(dim, keepDim: true));
    }

    /// <summary>y = x·Wᵀ + b: gx = g·W, gW = gᵀ·x and gb = Σ g over all but the last dim, with x and g seen as rows.</summary>
    private static Tensor?[] LinearBackward(Node node, Tensor g)
    {
        var grads = new Tensor?[node.Inputs.Length];
        var weight = node.Saved(1);
        if (Need(node, 0)) grads[0] = g.MatMul(weight);
        bool needBias = grads.Length == 3 && Need(node, 2);
        if (Need(node, 1) || needBias)
        {
            var rows = g.Reshape(-1, weight.ShapeArray[0]);
            if (Need(node, 1)) grads[1] = rows.T.MatMul(node.Saved(0).Reshape(-1, weight.ShapeArray[1]));
            if (needBias) grads[2] = rows.Sum(0);
        }
        return grads;
    }

    private static Tensor?[] PowBackward(Node node, Tensor g, Tensor y)
    {
        var a = node.Saved(0);
        var b = node.Saved(1);
        // b·a^(b−1) is 0 where b = 0, as in PyTorch: there the power sees b = 1 (a⁰ = 1), so a^(−1) = ∞ at a = 0 never meets b.
        Tensor? ga = Need(node, 0) ? g * b * a.Pow(Tensor.Where(b.Eq(0.0), Tensor.Scalar(1, b.DType), b) - 1.0) : null;
        Tensor? gb = null;
        if (Need(node, 1))
        {
            // d(a^b)/db = a^b·ln a; where a = 0 and b ≥ 0 the limit is 0, which is what PyTorch returns: ln sees 1 there.
            var zeroBase = Mask(a.Eq(0.0) * b.Ge(0.0));
            gb = g * y * Tensor.Where(zeroBase, Tensor.Scalar(1, a.DType), a).Log();
        }
        return [ga, gb];
    }

    /// <summary>max/min of two tensors: the gradient goes to the selected input, half to each on a tie.</summary>
    private static Tensor?[] ExtremumBackward(Node node, Tensor g, bool max)
    {
        var a = node.Saved(0);
        var b = node.Saved(1);
        var tie = Mask(a.Eq(b)).To(g.DType) * 0.5;
        var aWins = Mask(max ? a.Gt(b) : a.Lt(b)).To(g.DType);
        return [
            Need(node, 0) ? g * (aWins + tie) : null,
            Need(node, 1) ? g * (1.0 - aWins - tie) : null];
    }

    private static Tensor?[] WhereBackward(Node node, Tensor g)
    {
        var cond = Mask(node.Inputs[0].Ne(0.0));
        var zero = Tensor.Scalar(0, g.DType);
        return [
            null,
            Need(node, 1) ? Tensor.Where(cond, g, zero) : null,
            Need(node, 2) ? Tensor.Where(cond, zero, g) : null];
    }

    /// <summary>max/min over dims (kept): the gradient is shared evenly among the elements equal to the extremum.</summary>
    private static Tensor?[] ReduceExtremumBackward(Node node, Tensor g, Tensor y, int[]? dims)
    {
        var hits = Mask(node.Saved(0).Eq(y)).To(g.DType);
        var count = hits.Sum(dims, keepDim: true);
        return [g * hits / count];
    }

    private static Tensor?[] CatBackward(Node node, Tensor g, int dim)
    {
        var grads = new Tensor?[node.Inputs.Length];
        int offset = 0;
        for (int i = 0; i < grads.Length; i++)
        {
            int len = node.Inputs[i].ShapeArray[dim];
            if (Need(node, i)) grads[i] = g.Narrow(dim, offset, len);
            offset += len;
        }
        return grads;
    }

    /// <summary>
    /// Conv2d is bilinear in (x, w): its input gradient is a transposed convolution of g with w and its weight gradient
    /// a correlation of g with x; both are primitives whose own derivatives are Conv2d again.
    /// </summary>
    private static Tensor?[] Conv2dBackward(Node node, Tensor g, Nabla.Kernels.Conv2dGeometry geometry)
    {
        var grads = new Tensor?[node.Inputs.Length];
        if (Need(node, 0)) grads[0] = BackwardPrimitives.Conv2dBackwardInput(geometry, g, node.Saved(1));
        if (Need(node, 1)) grads[1] = BackwardPrimitives.Conv2dBackwardWeight(geometry, g, node.Saved(0));
        if (grads.Length == 3 && Need(node, 2)) grads[2] = g.Sum([0, 2, 3]);
        return grads;
    }

    /// <summary>
    /// Batch, group and layer norm (inputs x, then the weight and the bias when present). With x̂ = (x − mean)·rstd over
    /// each group of statistics and ĝ = g·weight: gx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) when the statistics are the
    /// input's own (rstd·ĝ with running statistics), gweight = Σ g·x̂, gbias = Σ g over all but the affine dims. One
    /// fused pass for gx and one for the affine gradients; when the backward pass is itself recorded, the same formula
    /// in differentiable ops, with the statistics recomputed from x so that they are differentiated too.
    /// </summary>
    private static Tensor?[] NormBackward(Node node, Tensor g, bool hasWeight, bool hasBias, NormGeometry geometry, double eps, double[] mean, double[] rstd)
    {
        var x = node.Saved(0);
        var w = hasWeight ? node.Saved(1) : null;
        int biasInput = hasWeight ? 2 : 1;
        bool needInput = Need(node, 0), needWeight = hasWeight && Need(node, 1), needBias = hasBias && Need(node, biasInput);
        if (g.DType != x.DType) g = g.To(x.DType);
        var (gx, gw, gb) = Autograd.IsGradEnabled
            ? ComposedNormBackward(x, w, g, geometry, eps, mean, rstd, needInput, needWeight, needBias)
            : BackwardPrimitives.NormBackward(geometry, x, w, g, mean, rstd, needInput, needWeight, needBias);
        var grads = new Tensor?[node.Inputs.Length];
        grads[0] = gx;
        if (hasWeight) grads[1] = gw;
        if (hasBias) grads[biasInput] = gb;
        return grads;
    }

    private static (Tensor? Input, Tensor? Weight, Tensor? Bias) ComposedNormBackward(Tensor x, Tensor? w, Tensor g, NormGeometry geometry, double eps,
        double[] mean, double[] rstd, bool needInput, bool needWeight, bool needBias)
    {
        var shape = x.ShapeArray;
        var grouped = x.Reshape(geometry.StatShape);
        Tensor xhat, scale;
        if (geometry.BatchStatistics)
        {
            var centered = grouped - grouped.Mean(geometry.StatDims, keepDim: true);
            scale = ((centered * centered).Mean(geometry.StatDims, keepDim: true) + eps).Rsqrt();
            xhat = centered * scale;
        }
        else
        {
            var statShape = geometry.FixedStatShape;
            scale = Tensor.FromArray(rstd, statShape).To(x.DType);
            xhat = (grouped - Tensor.FromArray(mean, statShape).To(x.DType)) * scale;
        }
        xhat = xhat.Reshape(shape);
        Tensor? gw = null, gb = null, gx = null;
        if (needWeight) gw = SumToAffine(g * xhat, geometry);
        if (needBias) gb = SumToAffine(g, geometry);
        if (needInput)
        {
            var gh = w is null ? g : g * w.Reshape(geometry.AffineBroadcastShape);
            if (geometry.BatchStatistics)
            {
                var gs = gh.Reshape(geometry.StatShape);
                var xs = xhat.Reshape(geometry.StatShape);
                gx = (scale * (gs - gs.Mean(geometry.StatDims, keepDim: true) - xs * (gs * xs).Mean(geometry.StatDims, keepDim: true))).Reshape(shape);
            }
            else
            {
                gx = (gh.Reshape(geometry.StatShape) * scale).Reshape(shape);
            }
        }
        return (gx, gw, gb);
    }

    private static Tensor SumToAffine(Tensor t, NormGeometry geometry) =>
        (geometry.AffineSumDims.Length == 0 ? t : t.Sum(geometry.AffineSumDims)).Reshape(geometry.AffineShape);

    /// <summary>
    /// The LSTM step (inputs gi, gh, c): both gate inputs receive the gradient of the pre-activation gates. One fused pass
    /// over the saved activations, or, when the backward pass is itself recorded, the formula in differentiable ops.
    /// </summary>
    private static Tensor?[] LstmCellBackward(Node node, Tensor g, OpKind.LstmCell op)
    {
        Tensor gates, gc;
        if (Autograd.IsGradEnabled)
        {
            var c = node.Saved(2);
            int h = c.ShapeArray[1];
            var pre = node.Saved(0) + node.Saved(1);
            var i = pre.Narrow(1, 0, h).Sigmoid();
            var f = pre.Narrow(1, h, h).Sigmoid();
            var cell = pre.Narrow(1, 2 * h, h).Tanh();
            var o = pre.Narrow(1, 3 * h, h).Sigmoid();
            var tanhC = ((f * c) + (i * cell)).Tanh();
            var gh = g.Narrow(0, 0, 1).Squeeze(0);
            var dc = g.Narrow(0, 1, 1).Squeeze(0) + (gh * o * (1.0 - tanhC.Square()));
            gates = Tensor.Cat([dc * cell * i * (1.0 - i), dc * c * f * (1.0 - f), dc * i * (1.0 - cell.Square()), gh * tanhC * o * (1.0 - o)], 1);
            gc = dc * f;
        }
        else
        {
            (gates, gc) = BackwardPrimitives.LstmCellBackward(op, node.Saved(2), g);
        }
        return [Need(node, 0) ? gates : null, Need(node, 1) ? gates : null, Need(node, 2) ? gc : null];
    }

    /// <summary>
    /// The LSTM sequence (inputs: gates, W_hh, h₀, c₀): the fused pass backwards through time with the weight's gradient
    /// as one product over all steps; when the backward pass is itself recorded, the gradients of the same recurrence
    /// composed step by step, whose graph can be differentiated again.
    /// </summary>
    private static Tensor?[] LstmSequenceBackward(Node node, Tensor g, Tensor y, OpKind.LstmSequence op)
    {
        if (Autograd.IsGradEnabled)
            return ComposedBackward(node, g, x => Tensor.LstmSequenceComposed(x[0], x[1], x[2], x[3], op.Reverse, op.Lengths));

        var (gates, weight, h0, c0) = BackwardPrimitives.LstmSequenceBackward(op, node.Saved(1), node.Saved(2), node.Saved(3), node.SavedOutput(y), g, Need(node, 1));
        return [Need(node, 0) ? gates : null, weight, Need(node, 2) ? h0 : null, Need(node, 3) ? c0 : null];
    }

    /// <summary>
    /// The GRU sequence (inputs: gates, W_hh, b_hh when there is one, h₀): the fused pass backwards through time with the
    /// weight's gradient as one product and the bias's as one sum over all steps; when the backward pass is itself
    /// recorded, the gradients of the same recurrence composed step by step.
    /// </summary>
    private static Tensor?[] GruSequenceBackward(Node node, Tensor g, Tensor y, OpKind.GruSequence op)
    {
        bool hasBias = node.Inputs.Length == 4;
        int last = node.Inputs.Length - 1;
        if (Autograd.IsGradEnabled)
            return ComposedBackward(node, g, x => Tensor.GruSequenceComposed(x[0], x[1], hasBias ? x[2] : null, x[last], op.Reverse, op.Lengths));

        var (gates, weight, bias, h0) = BackwardPrimitives.GruSequenceBackward(op, node.Saved(1), node.Saved(last), node.SavedOutput(y), g, Need(node, 1),
            hasBias && Need(node, 2));
        Tensor? h0Grad = Need(node, last) ? h0 : null;
        return hasBias ? [Need(node, 0) ? gates : null, weight, bias, h0Grad] : [Need(node, 0) ? gates : null, weight, h0Grad];
    }

    /// <summary>
    /// The Elman RNN sequence (inputs: gates, W_hh, h₀): the fused pass backwards through time with the weight's gradient
    /// as one product over all steps; when the backward pass is itself recorded, the gradients of the same recurrence
    /// composed step by step.
    /// </summary>
    private static Tensor?[] RnnSequenceBackward(Node node, Tensor g, Tensor y, OpKind.RnnSequence op)
    {
        if (Autograd.IsGradEnabled)
            return ComposedBackward(node, g, x => Tensor.RnnSequenceComposed(x[0], x[1], x[2], op.IsRelu, op.Reverse, op.Lengths));

        var (gates, weight, h0) = BackwardPrimitives.RnnSequenceBackward(op, node.Saved(1), node.Saved(2), node.SavedOutput(y), g, Need(node, 1));
        return [Need(node, 0) ? gates : null, weight, Need(node, 2) ? h0 : null];
    }

    /// <summary>
    /// The gradients of a fused primitive's inputs through its step-by-step composition, recorded so that they can be
    /// differentiated again: the composition is rebuilt on an alias of each saved input and differentiated with a graph
    /// with respect to the aliases, so that each input's gradient counts only the paths through its own place (not
    /// those through another input computed from it, nor through a second place the same tensor fills).
    /// </summary>
    private static Tensor?[] ComposedBackward(Node node, Tensor g, Func<Tensor[], Tensor> compose)
    {
        var operands = new Tensor[node.Inputs.Length];
        var inputs = new List<Tensor>();
        var index = new List<int>();
        for (int i = 0; i < node.Inputs.Length; i++)
        {
            operands[i] = node.Saved(i);
            if (!Need(node, i)) continue;
            operands[i] = operands[i].Alias();
            inputs.Add(operands[i]);
            index.Add(i);
        }
        var grads = Engine.Run([compose(operands)], [g], retainGraph: true, createGraph: true, [.. inputs]);
        var result = new Tensor?[node.Inputs.Length];
        for (int k = 0; k < index.Count; k++) result[index[k]] = grads[k];
        return result;
    }

    /// <summary>The GRU step (inputs gi, gh, h): fused, or the formula in differentiable ops when the backward pass is recorded.</summary>
    private static Tensor?[] GruCellBackward(Node node, Tensor g, OpKind.GruCell op)
    {
        if (!Autograd.IsGradEnabled)
        {
            var (dgi, dgh, dhFused) = BackwardPrimitives.GruCellBackward(op, node.Saved(1), node.Saved(2), g);
            return [Need(node, 0) ? dgi : null, Need(node, 1) ? dgh : null, Need(node, 2) ? dhFused : null];
        }
        var gi = node.Saved(0);
        var ghAll = node.Saved(1);
        var hPrev = node.Saved(2);
        int h = hPrev.ShapeArray[1];
        var r = (gi.Narrow(1, 0, h) + ghAll.Narrow(1, 0, h)).Sigmoid();
        var z = (gi.Narrow(1, h, h) + ghAll.Narrow(1, h, h)).Sigmoid();
        var ghN = ghAll.Narrow(1, 2 * h, h);
        var n = (gi.Narrow(1, 2 * h, h) + (r * ghN)).Tanh();
        var dnPre = g * (1.0 - z) * (1.0 - n.Square());
        var drPre = dnPre * ghN * r * (1.0 - r);
        var dzPre = g * (hPrev - n) * z * (1.0 - z);
        return [
            Need(node, 0) ? Tensor.Cat([drPre, dzPre, dnPre], 1) : null,
            Need(node, 1) ? Tensor.Cat([drPre, dzPre, dnPre * r], 1) : null,
            Need(node, 2) ? g * z : null];
    }

    /// <summary>atan2(a, b): ga = g·b / (a² + b²), gb = −g·a / (a² + b²).</summary>
    private static Tensor?[] Atan2Backward(Node node, Tensor g)
    {
        var a = node.Saved(0);
        var b = node.Saved(1);
        var norm = a.Square() + b.Square();
        return [Need(node, 0) ? g * b / norm : null, Need(node, 1) ? -g * a / norm : null];
    }

    /// <summary>
    /// y = cumprod(x) along dim, exact with zeros in x (PyTorch's formula): before the first zero of a line the gradient
    /// is Σ_{j≥k} g_j·y_j / x_k (a reverse cumsum); at the first zero it is Σ_{j≥k} g_j·y'_j, with y' the running
    /// product of x with that zero replaced by 1; after it, 0.
    /// </summary>
    private static Tensor CumProdBackward(Node node, Tensor g, Tensor y, int dim)
    {
        var x = node.Saved(0);
        var one = Tensor.Scalar(1, x.DType);
        var zero = Tensor.Scalar(0, x.DType);
        var isZero = Mask(x.Eq(0.0).To(x.DType));
        var zerosSoFar = Mask(isZero.CumSumOp(dim, reverse: false));
        var beforeZero = Mask(zerosSoFar.Eq(0.0));
        var grad = Tensor.Where(beforeZero, (g * y).CumSumOp(dim, reverse: true) / Tensor.Where(beforeZero, x, one), zero);
        var firstZero = Mask(isZero * zerosSoFar.Eq(1.0).To(x.DType));
        if (firstZero.Sum().Item() == 0) return grad;
        var skipped = Tensor.Where(firstZero, one, x).CumProdOp(dim);
        return grad + Tensor.Where(firstZero, (g * skipped).CumSumOp(dim, reverse: true), zero);
    }

    private static int[] Inverse(int[] permutation)
    {
        var inverse = new int[permutation.Length];
        for (int i = 0; i < permutation.Length; i++) inverse[permutation[i]] = i;
        return inverse;
    }
}
