namespace Nabla;

/// <summary>
/// The differentiable primitives. Every other differentiable operation (sigmoid-free activations,
/// losses, mean, variance, log-sum-exp, ...) is a composition of these and needs no backward code.
/// Each member has exactly one case in <see cref="Derivatives"/>.
/// </summary>
public enum OpKind
{
    /// <summary>a + b</summary>
    Add,
    /// <summary>a - b</summary>
    Sub,
    /// <summary>a · b (elementwise)</summary>
    Mul,
    /// <summary>a / b</summary>
    Div,
    /// <summary>a ^ b</summary>
    Pow,
    /// <summary>max(a, b) elementwise</summary>
    Maximum,
    /// <summary>min(a, b) elementwise</summary>
    Minimum,
    /// <summary>-x</summary>
    Neg,
    /// <summary>e^x</summary>
    Exp,
    /// <summary>ln x</summary>
    Log,
    /// <summary>ln(1 + x), exact to rounding for small x; a primitive for accuracy</summary>
    Log1p,
    /// <summary>√x</summary>
    Sqrt,
    /// <summary>|x|</summary>
    Abs,
    /// <summary>max(x, 0); a primitive for speed</summary>
    Relu,
    /// <summary>1 / (1 + e^-x); a primitive for speed and accuracy</summary>
    Sigmoid,
    /// <summary>tanh x; a primitive for speed and accuracy</summary>
    Tanh,
    /// <summary>the Gauss error function</summary>
    Erf,
    /// <summary>log(1 + e^x), computed without overflow; a primitive for speed and accuracy</summary>
    Softplus,
    /// <summary>cond ? a : b</summary>
    Where,
    /// <summary>sum over dims</summary>
    Sum,
    /// <summary>max over dims</summary>
    Max,
    /// <summary>min over dims</summary>
    Min,
    /// <summary>softmax along one dim; fused for speed and stability</summary>
    Softmax,
    /// <summary>log-softmax along one dim; fused for speed and stability</summary>
    LogSoftmax,
    /// <summary>matrix product of the last two dims, batched over the rest</summary>
    MatMul,
    /// <summary>x·Wᵀ + b over the last dim, the bias written before the product accumulates onto it; a primitive for speed</summary>
    Linear,
    /// <summary>a view with a new shape</summary>
    Reshape,
    /// <summary>a view with dims reordered</summary>
    Permute,
    /// <summary>a broadcast view</summary>
    Expand,
    /// <summary>a view of a range along one dim</summary>
    Narrow,
    /// <summary>zero padding along one dim (the adjoint of Narrow)</summary>
    Pad,
    /// <summary>a contiguous copy</summary>
    Contiguous,
    /// <summary>a dtype conversion</summary>
    Cast,
    /// <summary>concatenation along one dim</summary>
    Cat,
    /// <summary>selection of slices along one dim by an index vector</summary>
    IndexSelect,
    /// <summary>accumulation of slices along one dim at an index vector (the adjoint of IndexSelect)</summary>
    IndexAdd,
    /// <summary>elementwise gather along one dim</summary>
    Gather,
    /// <summary>elementwise scatter-add along one dim (the adjoint of Gather)</summary>
    ScatterAdd,
    /// <summary>2-D cross-correlation of (N, C, H, W) with (OC, C/groups, KH, KW) plus an optional bias</summary>
    Conv2d,
    /// <summary>the gradient of Conv2d with respect to its input (a transposed convolution)</summary>
    Conv2dBackwardInput,
    /// <summary>the gradient of Conv2d with respect to its weight</summary>
    Conv2dBackwardWeight,
    /// <summary>2-D max pooling</summary>
    MaxPool2d,
    /// <summary>routes gradients to the positions max pooling selected (the adjoint of MaxPool2d's selection)</summary>
    MaxPool2dBackward,
    /// <summary>2-D average pooling</summary>
    AvgPool2d,
    /// <summary>spreads gradients over average-pooling windows (the adjoint of AvgPool2d)</summary>
    AvgPool2dBackward,
    /// <summary>2-D average pooling to a fixed output size</summary>
    AdaptiveAvgPool2d,
    /// <summary>the adjoint of AdaptiveAvgPool2d</summary>
    AdaptiveAvgPool2dBackward,
}
