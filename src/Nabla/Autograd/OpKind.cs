using Nabla.Kernels;

namespace Nabla;

/// <summary>
/// The differentiable primitives, each a record with the typed arguments its derivative needs. Every other
/// differentiable operation (the composed activations, losses, mean, variance, log-sum-exp, ...) is a composition of
/// these and needs no backward code. Each primitive has exactly one case in <see cref="Derivatives"/>; the primitives
/// that only backward passes record are declared beside that table, in <c>BackwardPrimitives.cs</c>.
/// </summary>
internal abstract partial record OpKind
{
    private OpKind() { }

    /// <summary>The primitive's name, as in PyTorch's <c>grad_fn</c> without the <c>Backward</c> suffix.</summary>
    public virtual string Name => GetType().Name;

    /// <summary>The name, so that error messages and graph labels read as the op.</summary>
    public sealed override string ToString() => Name;

    /// <summary>a + b</summary>
    public sealed record Add : OpKind;

    /// <summary>a − b</summary>
    public sealed record Sub : OpKind;

    /// <summary>a · b (elementwise)</summary>
    public sealed record Mul : OpKind;

    /// <summary>a / b</summary>
    public sealed record Div : OpKind;

    /// <summary>a ^ b</summary>
    public sealed record Pow : OpKind;

    /// <summary>max(a, b) elementwise</summary>
    public sealed record Maximum : OpKind;

    /// <summary>min(a, b) elementwise</summary>
    public sealed record Minimum : OpKind;

    /// <summary>−x</summary>
    public sealed record Neg : OpKind;

    /// <summary>eˣ</summary>
    public sealed record Exp : OpKind;

    /// <summary>ln x</summary>
    public sealed record Log : OpKind;

    /// <summary>ln(1 + x), exact to rounding for small x; a primitive for accuracy</summary>
    public sealed record Log1p : OpKind;

    /// <summary>√x</summary>
    public sealed record Sqrt : OpKind;

    /// <summary>|x|</summary>
    public sealed record Abs : OpKind;

    /// <summary>max(x, 0); a primitive for speed</summary>
    public sealed record Relu : OpKind;

    /// <summary>1 / (1 + e⁻ˣ); a primitive for speed and accuracy</summary>
    public sealed record Sigmoid : OpKind;

    /// <summary>tanh x; a primitive for speed and accuracy</summary>
    public sealed record Tanh : OpKind;

    /// <summary>sin x</summary>
    public sealed record Sin : OpKind;

    /// <summary>cos x</summary>
    public sealed record Cos : OpKind;

    /// <summary>the Gauss error function</summary>
    public sealed record Erf : OpKind;

    /// <summary>log(1 + eˣ), computed without overflow; a primitive for speed and accuracy</summary>
    public sealed record Softplus : OpKind;

    /// <summary>cond ? a : b, with the condition (input 0) never differentiated</summary>
    public sealed record Where : OpKind;

    /// <summary>sum over <paramref name="Dims"/> (sorted, kept as size 1)</summary>
    public sealed record Sum(int[] Dims) : OpKind;

    /// <summary>max over <paramref name="Dims"/> (sorted, kept as size 1)</summary>
    public sealed record Max(int[] Dims) : OpKind;

    /// <summary>min over <paramref name="Dims"/> (sorted, kept as size 1)</summary>
    public sealed record Min(int[] Dims) : OpKind;

    /// <summary>softmax along <paramref name="Dim"/>; fused for speed and stability</summary>
    public sealed record Softmax(int Dim) : OpKind;

    /// <summary>log-softmax along <paramref name="Dim"/>; fused for speed and stability</summary>
    public sealed record LogSoftmax(int Dim) : OpKind;

    /// <summary>matrix product of the last two dims, batched over the rest</summary>
    public sealed record MatMul : OpKind;

    /// <summary>x·Wᵀ + b over the last dim, the bias written before the product accumulates onto it; a primitive for speed</summary>
    public sealed record Linear : OpKind;

    /// <summary>a view with a new shape</summary>
    public sealed record Reshape : OpKind;

    /// <summary>a view whose dim i is input dim <paramref name="Dims"/>[i]</summary>
    public sealed record Permute(int[] Dims) : OpKind;

    /// <summary>a broadcast view</summary>
    public sealed record Expand : OpKind;

    /// <summary>a view of <paramref name="Length"/> elements from <paramref name="Start"/> along <paramref name="Dim"/></summary>
    public sealed record Narrow(int Dim, int Start, int Length) : OpKind;

    /// <summary>zero padding of <paramref name="Before"/> and <paramref name="After"/> elements along <paramref name="Dim"/> (the adjoint of Narrow)</summary>
    public sealed record Pad(int Dim, int Before, int After) : OpKind;

    /// <summary>the elements reversed along <paramref name="Dims"/> (sorted, distinct); its own derivative</summary>
    public sealed record Flip(int[] Dims) : OpKind;

    /// <summary>a view of the diagonal <paramref name="Offset"/> of dims <paramref name="Dim1"/> and <paramref name="Dim2"/>, appended as the last dim</summary>
    public sealed record Diagonal(int Offset, int Dim1, int Dim2) : OpKind;

    /// <summary>zeros of <paramref name="Shape"/> with the input written on the diagonal <paramref name="Offset"/> of dims <paramref name="Dim1"/> and <paramref name="Dim2"/> (the adjoint of Diagonal)</summary>
    public sealed record DiagEmbed(int[] Shape, int Offset, int Dim1, int Dim2) : OpKind;

    /// <summary>a contiguous copy</summary>
    public sealed record Contiguous : OpKind;

    /// <summary>a dtype conversion</summary>
    public sealed record Cast : OpKind;

    /// <summary>concatenation along <paramref name="Dim"/></summary>
    public sealed record Cat(int Dim) : OpKind;

    /// <summary>selection of slices along <paramref name="Dim"/> by an index vector (input 1)</summary>
    public sealed record IndexSelect(int Dim) : OpKind;

    /// <summary>accumulation of slices (input 2) along <paramref name="Dim"/> at an index vector (input 1); the adjoint of IndexSelect</summary>
    public sealed record IndexAdd(int Dim) : OpKind;

    /// <summary>elementwise gather along <paramref name="Dim"/> by an index tensor (input 1)</summary>
    public sealed record Gather(int Dim) : OpKind;

    /// <summary>elementwise scatter-add of input 2 along <paramref name="Dim"/> at an index tensor (input 1); the adjoint of Gather</summary>
    public sealed record ScatterAdd(int Dim) : OpKind;

    /// <summary>a view of input 0's elements, in row-major order, at <paramref name="Offset"/> + Σ iₖ·<paramref name="Strides"/>ₖ for each index i of <paramref name="Shape"/></summary>
    public sealed record AsStrided(int[] Shape, int[] Strides, int Offset) : OpKind;

    /// <summary>zeros of <paramref name="InputShape"/> with input 0 added at the AsStrided positions (<paramref name="Shape"/>, <paramref name="Strides"/>, <paramref name="Offset"/>); the adjoint of AsStrided</summary>
    public sealed record AsStridedScatter(int[] InputShape, int[] Shape, int[] Strides, int Offset) : OpKind;

    /// <summary>an in-place write into a view: input 0 (the base before the write) with input 1 written at the AsStrided positions (<paramref name="Shape"/>, <paramref name="Strides"/>, <paramref name="Offset"/>)</summary>
    public sealed record CopySlices(int[] Shape, int[] Strides, int Offset) : OpKind;

    /// <summary>2-D cross-correlation of (N, C, H, W) with (OC, C/groups, KH, KW) plus an optional bias</summary>
    public sealed record Conv2d(Conv2dGeometry Geometry) : OpKind;

    /// <summary>2-D max pooling, with the flat input position each output took in <paramref name="Argmax"/></summary>
    public sealed record MaxPool2d(PoolGeometry Geometry, Storage<int> Argmax) : OpKind;

    /// <summary>2-D average pooling</summary>
    public sealed record AvgPool2d(PoolGeometry Geometry, bool CountIncludePad) : OpKind;

    /// <summary>2-D average pooling of an input of <paramref name="InputShape"/> to a fixed output size</summary>
    public sealed record AdaptiveAvgPool2d(int[] InputShape, int OutHeight, int OutWidth) : OpKind;

    /// <summary>batch normalisation of (N, C, *) input 0 per channel, then the optional weight and bias (C) as the next inputs; <paramref name="Mean"/> and <paramref name="Rstd"/> (C) are the statistics it used: the batch's own when <paramref name="Training"/>, else the running ones</summary>
    public sealed record BatchNorm(bool Training, bool HasWeight, bool HasBias, double Eps, double[] Mean, double[] Rstd) : OpKind;

    /// <summary>group normalisation of (N, C, *) input 0 in <paramref name="Groups"/> groups of channels, then the optional weight and bias (C); <paramref name="Mean"/> and <paramref name="Rstd"/> (N·groups) per sample and group</summary>
    public sealed record GroupNorm(int Groups, bool HasWeight, bool HasBias, double Eps, double[] Mean, double[] Rstd) : OpKind;

    /// <summary>layer normalisation of input 0 over its trailing <paramref name="NormalizedShape"/>, then the optional weight and bias of that shape; <paramref name="Mean"/> and <paramref name="Rstd"/> per normalised row</summary>
    public sealed record LayerNorm(int[] NormalizedShape, bool HasWeight, bool HasBias, double Eps, double[] Mean, double[] Rstd) : OpKind;

    /// <summary>a checkpointed block: run without its graph, recomputed by <paramref name="Function"/> in the backward pass</summary>
    public sealed record Checkpoint(CheckpointFunction Function) : OpKind;

    /// <summary>A user-defined <see cref="Nabla.Function"/> or <see cref="MultiOutputFunction"/>, named as the user's class</summary>
    public sealed record Custom(FunctionNode Function) : OpKind
    {
        /// <inheritdoc/>
        public override string Name => Function.Name;
    }

    /// <summary>one fused LSTM step: [h'; c'] (2, N, H) from the input gates, the recurrent gates (N, 4H) and c (N, H); <paramref name="Workspace"/> holds the activated gates and tanh c'</summary>
    public sealed record LstmCell(Tensor Workspace) : OpKind;

    /// <summary>a fused LSTM layer direction over a sequence: every h_t and the last c (T + 1, N, H) from the input gates (T, N, 4H), W_hh and h₀, c₀; <paramref name="Cells"/> and <paramref name="Workspace"/> hold every c_t and each step's activated gates and tanh c_t; past a row's entry in <paramref name="Lengths"/> (null: all full) the row holds its states</summary>
    public sealed record LstmSequence(Tensor Cells, Tensor Workspace, bool Reverse, int[]? Lengths) : OpKind;

    /// <summary>a fused GRU layer direction over a sequence: every h_t (T, N, H) from the input gates (T, N, 3H), W_hh, b_hh when there is one, and h₀; <paramref name="Recurrent"/> and <paramref name="Workspace"/> hold each step's recurrent gates and r, z and n; past a row's entry in <paramref name="Lengths"/> (null: all full) the row holds its state</summary>
    public sealed record GruSequence(Tensor Recurrent, Tensor Workspace, bool Reverse, int[]? Lengths) : OpKind;

    /// <summary>a fused Elman RNN layer direction over a sequence: every h_t = act(gi_t + h_(t−1)·W_hhᵀ) (T, N, H), act tanh or ReLU, from the input gates (T, N, H), W_hh and h₀; past a row's entry in <paramref name="Lengths"/> (null: all full) the row holds its state</summary>
    public sealed record RnnSequence(bool IsRelu, bool Reverse, int[]? Lengths) : OpKind;

    /// <summary>one fused GRU step: h' (N, H) from the input gates, the recurrent gates (N, 3H) and h (N, H); <paramref name="Workspace"/> holds r, z and n</summary>
    public sealed record GruCell(Tensor Workspace) : OpKind;

    // Everyday elementwise functions: rounding, sign, trigonometric and hyperbolic, logarithms, remainders.

    /// <summary>⌊x⌋; zero gradient</summary>
    public sealed record Floor : OpKind;

    /// <summary>⌈x⌉; zero gradient</summary>
    public sealed record Ceil : OpKind;

    /// <summary>x rounded half to even; zero gradient</summary>
    public sealed record Round : OpKind;

    /// <summary>x rounded toward zero; zero gradient</summary>
    public sealed record Trunc : OpKind;

    /// <summary>−1, 0 or 1 by the sign of x; zero gradient</summary>
    public sealed record Sign : OpKind;

    /// <summary>tan x</summary>
    public sealed record Tan : OpKind;

    /// <summary>arcsin x</summary>
    public sealed record Asin : OpKind;

    /// <summary>arccos x</summary>
    public sealed record Acos : OpKind;

    /// <summary>arctan x</summary>
    public sealed record Atan : OpKind;

    /// <summary>atan2(a, b), the angle of the point (b, a)</summary>
    public sealed record Atan2 : OpKind;

    /// <summary>sinh x</summary>
    public sealed record Sinh : OpKind;

    /// <summary>cosh x</summary>
    public sealed record Cosh : OpKind;

    /// <summary>arsinh x</summary>
    public sealed record Asinh : OpKind;

    /// <summary>arcosh x</summary>
    public sealed record Acosh : OpKind;

    /// <summary>artanh x</summary>
    public sealed record Atanh : OpKind;

    /// <summary>log₂ x; a primitive for accuracy</summary>
    public sealed record Log2 : OpKind;

    /// <summary>log₁₀ x; a primitive for accuracy</summary>
    public sealed record Log10 : OpKind;

    /// <summary>2ˣ; a primitive for accuracy</summary>
    public sealed record Exp2 : OpKind;

    /// <summary>eˣ − 1, exact to rounding for small x; a primitive for accuracy</summary>
    public sealed record Expm1 : OpKind;

    /// <summary>√(a² + b²) without overflow</summary>
    public sealed record Hypot : OpKind;

    /// <summary>a − trunc(a / b)·b, the sign of a</summary>
    public sealed record Fmod : OpKind;

    /// <summary>a − floor(a / b)·b, the sign of b</summary>
    public sealed record Remainder : OpKind;
    // Scans and order statistics

    /// <summary>running sum along <paramref name="Dim"/>, from the back when <paramref name="Reverse"/>; its adjoint is the same scan the other way</summary>
    public sealed record CumSum(int Dim, bool Reverse) : OpKind;

    /// <summary>running log Σ exp along <paramref name="Dim"/>, from the back when <paramref name="Reverse"/></summary>
    public sealed record LogCumSumExp(int Dim, bool Reverse) : OpKind;

    /// <summary>running product along <paramref name="Dim"/></summary>
    public sealed record CumProd(int Dim) : OpKind;

    /// <summary>the lower median of all elements, its gradient shared evenly among the elements equal to it (as in PyTorch)</summary>
    public sealed record Median : OpKind;

    /// <summary>
    /// the reduced SVD of (…, <paramref name="M"/>, <paramref name="N"/>) matrices, its output U, S and Vh flattened
    /// side by side along the last dim (…, k·M + k + k·N) with k = min(M, N)
    /// </summary>
    public sealed record Svd(int M, int N) : OpKind;
}

/// <summary>The one shared instance of a primitive without arguments, so that recording it allocates nothing.</summary>
internal static class Shared<TKind> where TKind : OpKind, new()
{
    public static readonly TKind Instance = new();
}
