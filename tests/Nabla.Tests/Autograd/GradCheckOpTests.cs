using Nabla.NN;

namespace Nabla.Tests.AutogradTests;

/// <summary>
/// Finite-difference gradient checks in float64 for every primitive in <see cref="OpKind"/> and for the
/// public functions composed from them, first and second order. Inputs stay away from the points where
/// an op is not differentiable (ties, 0 for abs/relu, clamp bounds), and every op is also exercised on
/// non-contiguous views and broadcast operands made inside the checked function.
/// </summary>
public sealed class GradCheckOpTests
{
    /// <summary>A function of float64 leaves to gradient-check; <paramref name="Eps"/> is the finite-difference step.</summary>
    public sealed record Sample(string Name, Func<Tensor[], Tensor> Func, Func<Generator, Tensor[]> Inputs, double Eps = 1e-6)
    {
        /// <summary>Fresh inputs, the same on every call (the generator is seeded from the name).</summary>
        public Tensor[] MakeInputs() => Inputs(new Generator(StableHash(Name)));
    }

    private static readonly Dictionary<Type, Sample[]> OpSamples = new()
    {
        [typeof(OpKind.Add)] =
        [
            new("Add row broadcast", x => x[0] + x[1], g => [Normal(g, 3, 4), Normal(g, 4)]),
            new("Add transposed + column", x => x[0].T + x[1], g => [Normal(g, 4, 3), Normal(g, 3, 1)]),
            new("Add 0-d", x => x[0] + x[1], g => [Normal(g, 2, 3), Normal(g)]),
        ],
        [typeof(OpKind.Sub)] =
        [
            new("Sub rank-3 broadcast", x => x[0] - x[1], g => [Normal(g, 2, 1, 3), Normal(g, 4, 1)]),
            new("Sub permuted", x => x[1] - x[0].Permute(2, 0, 1), g => [Normal(g, 2, 3, 4), Normal(g, 4, 1, 3)]),
        ],
        [typeof(OpKind.Mul)] =
        [
            new("Mul column x row", x => x[0] * x[1], g => [Normal(g, 3, 1), Normal(g, 1, 4)]),
            new("Mul transposed", x => x[0].T * x[1], g => [Normal(g, 4, 3), Normal(g, 3, 4)]),
            new("Mul same tensor twice", x => x[0] * x[0], g => [Normal(g, 5)]),
        ],
        [typeof(OpKind.Div)] =
        [
            new("Div row broadcast", x => x[0] / x[1], g => [Normal(g, 3, 4), AwayFromZero(g, 4)]),
            new("Div transposed denominator", x => x[0] / x[1].T, g => [Normal(g, 3, 4), AwayFromZero(g, 4, 3)]),
        ],
        [typeof(OpKind.Pow)] =
        [
            new("Pow tensor exponent broadcast", x => x[0].Pow(x[1]), g => [Positive(g, 3, 4), Normal(g, 4)]),
            new("Pow transposed base", x => x[0].T.Pow(x[1]), g => [Positive(g, 4, 3), Normal(g, 3, 1)]),
            new("Pow scalar exponent", x => x[0].Pow(2.5), g => [Positive(g, 6)]),
        ],
        [typeof(OpKind.Maximum)] =
        [
            new("Maximum broadcast", x => x[0].Maximum(x[1]), g => [Interleaved(g, 0.1, 3, 4), Interleaved(g, 0.35, 4)]),
            new("Maximum transposed", x => x[0].T.Maximum(x[1]), g => [Interleaved(g, 0.1, 4, 3), Interleaved(g, 0.35, 3, 1)]),
        ],
        [typeof(OpKind.Minimum)] =
        [
            new("Minimum broadcast", x => x[0].Minimum(x[1]), g => [Interleaved(g, 0.1, 3, 1), Interleaved(g, 0.35, 1, 4)]),
            new("Minimum transposed", x => x[0].Minimum(x[1].T), g => [Interleaved(g, 0.1, 3, 4), Interleaved(g, 0.35, 4, 3)]),
        ],
        [typeof(OpKind.Neg)] = Unary("Neg", t => t.Neg(), Normal),
        [typeof(OpKind.Exp)] = Unary("Exp", t => t.Exp(), Normal),
        [typeof(OpKind.Log)] = Unary("Log", t => t.Log(), Positive),
        [typeof(OpKind.Log1p)] = Unary("Log1p", t => t.Log1p(), Positive),
        [typeof(OpKind.Sqrt)] = Unary("Sqrt", t => t.Sqrt(), Positive),
        [typeof(OpKind.Abs)] = Unary("Abs", t => t.Abs(), AwayFromZero),
        [typeof(OpKind.Relu)] = Unary("Relu", t => t.Relu(), AwayFromZero),
        [typeof(OpKind.Sigmoid)] = Unary("Sigmoid", t => t.Sigmoid(), Normal),
        [typeof(OpKind.Tanh)] = Unary("Tanh", t => t.Tanh(), Normal),
        [typeof(OpKind.Sin)] = Unary("Sin", t => t.Sin(), Wide),
        [typeof(OpKind.Cos)] = Unary("Cos", t => t.Cos(), Wide),
        [typeof(OpKind.Erf)] = Unary("Erf", t => t.Erf(), Normal),
        [typeof(OpKind.Softplus)] = Unary("LogOnePlusExp", t => t.LogOnePlusExp(), Wide),
        [typeof(OpKind.Where)] =
        [
            new("Where broadcast", x => Tensor.Where(Condition(3, 4), x[0], x[1]), g => [Normal(g, 4), Normal(g, 3, 1)]),
            new("Where transposed", x => Tensor.Where(Condition(3, 4), x[0].T, x[1]), g => [Normal(g, 4, 3), Normal(g, 3, 4)]),
        ],
        [typeof(OpKind.Sum)] =
        [
            new("Sum all", x => x[0].Sum(), g => [Normal(g, 3, 4)]),
            new("Sum dims 0,2 keepDim", x => x[0].Sum([0, 2], keepDim: true), g => [Normal(g, 2, 3, 4)]),
            new("Sum last dim of permuted", x => x[0].Permute(2, 0, 1).Sum(-1), g => [Normal(g, 2, 3, 4)]),
        ],
        [typeof(OpKind.Max)] =
        [
            new("Max all", x => x[0].Max(), g => [Distinct(g, 3, 4)]),
            new("Max dim 1", x => x[0].Max(1), g => [Distinct(g, 3, 4)]),
            new("Amax dims 0,2 keepDim of transposed", x => x[0].Transpose(0, 1).Amax([0, 2], keepDim: true), g => [Distinct(g, 2, 3, 4)]),
        ],
        [typeof(OpKind.Min)] =
        [
            new("Min all", x => x[0].Min(), g => [Distinct(g, 3, 4)]),
            new("Min dim 0 keepDim of transposed", x => x[0].T.Min(0, keepDim: true), g => [Distinct(g, 3, 4)]),
            new("Amin dims 1,2", x => x[0].Amin([1, 2]), g => [Distinct(g, 2, 3, 4)]),
        ],
        [typeof(OpKind.Softmax)] =
        [
            new("Softmax last dim", x => x[0].Softmax(-1), g => [Normal(g, 3, 4)]),
            new("Softmax dim 1 of permuted", x => x[0].Permute(2, 0, 1).Softmax(1), g => [Normal(g, 2, 3, 4)]),
        ],
        [typeof(OpKind.LogSoftmax)] =
        [
            new("LogSoftmax last dim", x => x[0].LogSoftmax(-1), g => [Normal(g, 3, 4)]),
            new("LogSoftmax dim 0 of transposed", x => x[0].T.LogSoftmax(0), g => [Normal(g, 3, 4)]),
        ],
        [typeof(OpKind.MatMul)] =
        [
            new("MatMul 2-D", x => x[0].MatMul(x[1]), g => [Normal(g, 3, 4), Normal(g, 4, 2)]),
            new("MatMul transposed operands", x => x[0].T.MatMul(x[1].T), g => [Normal(g, 4, 3), Normal(g, 2, 4)]),
            new("MatMul batched broadcast", x => x[0].MatMul(x[1]), g => [Normal(g, 2, 1, 3, 2), Normal(g, 3, 2, 2)]),
        ],
        [typeof(OpKind.Linear)] =
        [
            new("Linear rows with bias", x => Functional.Linear(x[0], x[1], x[2]), g => [Normal(g, 4, 3), Normal(g, 2, 3), Normal(g, 2)]),
            new("Linear transposed rows", x => Functional.Linear(x[0].T, x[1], x[2]), g => [Normal(g, 3, 4), Normal(g, 2, 3), Normal(g, 2)]),
            new("Linear rank-3 without bias", x => Functional.Linear(x[0], x[1]), g => [Normal(g, 2, 3, 4), Normal(g, 5, 4)]),
            new("Linear 1-D input", x => Functional.Linear(x[0], x[1], x[2]), g => [Normal(g, 3), Normal(g, 2, 3), Normal(g, 2)]),
        ],
        [typeof(OpKind.Reshape)] =
        [
            new("Reshape contiguous", x => x[0].Reshape(2, 6) * Weights(2, 6), g => [Normal(g, 3, 4)]),
            new("Reshape non-contiguous (copy)", x => x[0].T.Reshape(-1) * Weights(12), g => [Normal(g, 3, 4)]),
        ],
        [typeof(OpKind.Permute)] =
        [
            new("Permute rank 3", x => x[0].Permute(2, 0, 1) * Weights(4, 2, 3), g => [Normal(g, 2, 3, 4)]),
        ],
        [typeof(OpKind.Expand)] =
        [
            new("Expand column", x => x[0].Expand(3, 4) * Weights(3, 4), g => [Normal(g, 3, 1)]),
            new("Expand new leading dims", x => x[0].Expand(2, 3, 4) * Weights(2, 3, 4), g => [Normal(g, 4)]),
        ],
        [typeof(OpKind.Narrow)] =
        [
            new("Narrow dim 1", x => x[0].Narrow(1, 1, 2), g => [Normal(g, 3, 4)]),
            new("Narrow of transposed", x => x[0].T.Narrow(0, 1, 2).Exp(), g => [Normal(g, 3, 4)]),
        ],
        [typeof(OpKind.Pad)] =
        [
            new("Pad dim 1", x => x[0].Pad(1, 2, 1) * Weights(3, 7), g => [Normal(g, 3, 4)]),
            new("Pad of transposed", x => x[0].T.Pad(0, 1, 0) * Weights(5, 3), g => [Normal(g, 3, 4)]),
        ],
        [typeof(OpKind.Contiguous)] =
        [
            new("Contiguous of transposed", x => x[0].T.Contiguous() * Weights(4, 3), g => [Normal(g, 3, 4)]),
            new("Clone", x => x[0].Clone() * Weights(3, 4), g => [Normal(g, 3, 4)]),
        ],
        // x on the 1/1024 grid with |x| < 4 and ε = 2⁻¹⁰ keep x ± ε and (x ± ε)² exact in float32, so the
        // detour through float32 loses nothing and the difference quotient is exact.
        [typeof(OpKind.Cast)] =
        [
            new("Cast through float32", x => x[0].To(DType.Float32).Square().To(DType.Float64), g => [OnGrid(g, 3, 4)], Eps: 1.0 / 1024),
        ],
        [typeof(OpKind.Cat)] =
        [
            new("Cat dim 0", x => Tensor.Cat([x[0], x[1]], 0), g => [Normal(g, 2, 3), Normal(g, 1, 3)]),
            new("Cat dim 1 with transposed", x => Tensor.Cat([x[0].T, x[1], x[0].T], 1), g => [Normal(g, 2, 3), Normal(g, 3, 1)]),
        ],
        [typeof(OpKind.IndexSelect)] =
        [
            new("IndexSelect repeated rows", x => x[0].IndexSelect(0, Index(4, 0, 4, 2)), g => [Normal(g, 5, 3)]),
            new("IndexSelect of transposed", x => x[0].T.IndexSelect(1, Index(1, 1, 3)), g => [Normal(g, 5, 3)]),
        ],
        [typeof(OpKind.IndexAdd)] =
        [
            new("IndexAdd repeated rows", x => x[0].IndexAdd(0, Index(2, 0, 2), x[1]), g => [Normal(g, 4, 3), Normal(g, 3, 3)]),
            new("IndexAdd transposed source", x => x[0].IndexAdd(1, Index(3, 1), x[1].T), g => [Normal(g, 3, 4), Normal(g, 2, 3)]),
        ],
        [typeof(OpKind.Gather)] =
        [
            new("Gather dim 1", x => x[0].Gather(1, Index([3, 5], 0, 3, 3, 1, 2, 2, 2, 0, 1, 3, 1, 0, 0, 3, 1)), g => [Normal(g, 3, 4)]),
            new("Gather dim 0 of transposed", x => x[0].T.Gather(0, Index([2, 3], 2, 0, 1, 1, 0, 2)), g => [Normal(g, 3, 4)]),
        ],
        [typeof(OpKind.ScatterAdd)] =
        [
            new("ScatterAdd dim 0", x => x[0].ScatterAdd(0, Index([2, 5], 0, 2, 2, 1, 0, 2, 2, 0, 1, 0), x[1]), g => [Normal(g, 3, 5), Normal(g, 2, 5)]),
            new("ScatterAdd dim 1 transposed", x => x[0].T.ScatterAdd(1, Index([3, 3], 3, 3, 0, 1, 2, 1, 0, 0, 0), x[1].T), g => [Normal(g, 4, 3), Normal(g, 3, 3)]),
        ],
        [typeof(OpKind.Conv2d)] =
        [
            new("Conv2d padded with bias", x => x[0].Conv2d(x[1], x[2], padding: 1), g => [Normal(g, 2, 3, 4, 5), Normal(g, 2, 3, 3, 3), Normal(g, 2)]),
            new("Conv2d stride, dilation, groups", x => x[0].Conv2d(x[1], null, (2, 1), (1, 0), (1, 2), groups: 2), g => [Normal(g, 1, 4, 5, 6), Normal(g, 4, 2, 3, 2)]),
            new("Conv2d of permuted input", x => x[0].Permute(0, 3, 1, 2).Conv2d(x[1]), g => [Normal(g, 1, 4, 4, 2), Normal(g, 3, 2, 2, 2)]),
        ],
        [typeof(OpKind.Conv2dBackwardInput)] =
        [
            new("Conv2dBackwardInput via input gradient", x => Autograd.Grad([(x[0].Conv2d(x[1], null, 2, 1) * x[2]).Sum()], [x[0]], createGraph: true)[0]!,
                g => [Normal(g, 1, 2, 5, 4), Normal(g, 3, 2, 3, 3), Normal(g, 1, 3, 3, 2)]),
        ],
        [typeof(OpKind.Conv2dBackwardWeight)] =
        [
            new("Conv2dBackwardWeight via weight gradient", x => Autograd.Grad([(x[0].Conv2d(x[1], null, 1, 1, 1, 2) * x[2]).Sum()], [x[1]], createGraph: true)[0]!,
                g => [Normal(g, 2, 4, 4, 3), Normal(g, 2, 2, 2, 2), Normal(g, 2, 2, 5, 4)]),
        ],
        [typeof(OpKind.MaxPool2d)] =
        [
            new("MaxPool2d 2x2", x => x[0].MaxPool2d(2), g => [Distinct(g, 2, 2, 4, 6)]),
            new("MaxPool2d 3x3 stride 2 pad 1 ceil", x => x[0].MaxPool2d(3, 2, 1, ceilMode: true), g => [Distinct(g, 1, 2, 5, 6)]),
        ],
        [typeof(OpKind.MaxPool2dBackward)] =
        [
            new("MaxPool2dBackward via input gradient", x => Autograd.Grad([(x[0].MaxPool2d(2) * x[1]).Sum()], [x[0]], createGraph: true)[0]!,
                g => [Distinct(g, 1, 2, 4, 4), Normal(g, 1, 2, 2, 2)]),
        ],
        [typeof(OpKind.AvgPool2d)] =
        [
            new("AvgPool2d 2x2", x => x[0].AvgPool2d(2), g => [Normal(g, 2, 2, 4, 6)]),
            new("AvgPool2d 3x3 stride 2 pad 1 exclude pad", x => x[0].AvgPool2d(3, 2, 1, ceilMode: true, countIncludePad: false), g => [Normal(g, 1, 2, 5, 6)]),
        ],
        [typeof(OpKind.AvgPool2dBackward)] =
        [
            new("AvgPool2dBackward via input gradient", x => Autograd.Grad([(x[0].AvgPool2d(2) * x[1]).Sum()], [x[0]], createGraph: true)[0]!,
                g => [Normal(g, 1, 2, 4, 4), Normal(g, 1, 2, 2, 2)]),
        ],
        [typeof(OpKind.AdaptiveAvgPool2d)] =
        [
            new("AdaptiveAvgPool2d uneven windows", x => x[0].AdaptiveAvgPool2d(3, 2), g => [Normal(g, 2, 2, 5, 7)]),
        ],
        [typeof(OpKind.AdaptiveAvgPool2dBackward)] =
        [
            new("AdaptiveAvgPool2dBackward via input gradient", x => Autograd.Grad([(x[0].AdaptiveAvgPool2d(2, 3) * x[1]).Sum()], [x[0]], createGraph: true)[0]!,
                g => [Normal(g, 1, 2, 5, 4), Normal(g, 1, 2, 2, 3)]),
        ],
        // Normalisation: the fused primitives; second order goes through their derivative's differentiable formula.
        [typeof(OpKind.BatchNorm)] =
        [
            new("BatchNorm training (N, C, H, W) affine", x => Functional.BatchNorm(x[0], null, null, x[1], x[2], training: true) * Weights(2, 3, 2, 2),
                g => [Normal(g, 2, 3, 2, 2), Positive(g, 3), Normal(g, 3)]),
            new("BatchNorm training (N, C) permuted, no affine", x => Functional.BatchNorm(x[0].T, null, null, training: true).Square(), g => [Normal(g, 3, 4)]),
            new("BatchNorm eval (N, C, L) with running statistics", x => Functional.BatchNorm(x[0], Tensor.FromArray([0.2, -0.1]), Tensor.FromArray([1.5, 0.7]),
                x[1], x[2]).Square(), g => [Normal(g, 3, 2, 4), Positive(g, 2), Normal(g, 2)]),
        ],
        [typeof(OpKind.GroupNorm)] =
        [
            new("GroupNorm 2 groups (N, C, H, W) affine", x => Functional.GroupNorm(x[0], 2, x[1], x[2]) * Weights(2, 4, 2, 3), g => [Normal(g, 2, 4, 2, 3), Positive(g, 4), Normal(g, 4)]),
            new("GroupNorm (N, C, L) transposed, weight only", x => Functional.GroupNorm(x[0].Transpose(1, 2), 3, x[1]).Square(), g => [Normal(g, 2, 4, 6), Positive(g, 6)]),
        ],
        [typeof(OpKind.LayerNorm)] =
        [
            new("LayerNorm last dim affine", x => Functional.LayerNorm(x[0], [5], x[1], x[2]) * Weights(3, 5), g => [Normal(g, 3, 5), Positive(g, 5), Normal(g, 5)]),
            new("LayerNorm two dims of permuted, bias only", x => Functional.LayerNorm(x[0].Permute(2, 0, 1), [2, 3], bias: x[1]).Square(), g => [Normal(g, 2, 3, 4), Normal(g, 2, 3)]),
        ],
        // First order only: double backward through a checkpoint throws NotSupportedException (GradientCheckpointTests).
        [typeof(OpKind.Checkpoint)] =
        [
            new("Checkpoint with a captured parameter", x => Functional.Checkpoint(v => v[0].MatMul(x[1]).Tanh() * v[1], x[0].T, x[2]),
                g => [Normal(g, 4, 3), Normal(g, 4, 2), Normal(g, 2)]),
        ],
        [typeof(OpKind.LstmCell)] =
        [
            new("LstmCell step", x => Tensor.LstmCell(x[0], x[1], x[2]), g => [Normal(g, 3, 8), Normal(g, 3, 8), Normal(g, 3, 2)]),
            new("LstmCell strided rows and transposed state", x => Tensor.LstmCell(x[0].Narrow(1, 1, 8), x[1].T, x[2].T),
                g => [Normal(g, 2, 10), Normal(g, 8, 2), Normal(g, 2, 2)]),
        ],
        [typeof(OpKind.LstmSequence)] =
        [
            new("LstmSequence forward in time", x => Tensor.LstmSequence(x[0], x[1], x[2], x[3], reverse: false),
                g => [Normal(g, 3, 2, 8), Normal(g, 8, 2), Normal(g, 2, 2), Normal(g, 2, 2)]),
            new("LstmSequence reversed, strided gates, transposed weight and a broadcast state", x => Tensor.LstmSequence(x[0].Transpose(0, 1), x[1].T, x[2].T, x[3].Expand(3, 2), reverse: true),
                g => [Normal(g, 3, 4, 8), Normal(g, 2, 8), Normal(g, 2, 3), Normal(g, 1, 2)]),
            new("LstmSequence of one step", x => Tensor.LstmSequence(x[0], x[1], x[2], x[3], reverse: false),
                g => [Normal(g, 1, 3, 4), Normal(g, 4, 1), Normal(g, 3, 1), Normal(g, 3, 1)]),
            new("LstmSequence of variable lengths, both directions", x => Tensor.LstmSequence(x[0], x[1], x[2], x[3], reverse: false, [3, 1, 2])
                    + Tensor.LstmSequence(x[0], x[1], x[2], x[3], reverse: true, [2, 3, 1]),
                g => [Normal(g, 3, 3, 8), Normal(g, 8, 2), Normal(g, 3, 2), Normal(g, 3, 2)]),
            new("LstmSequence with one tensor as both states, then as weight and both states", x => Tensor.Cat(
                    [Tensor.LstmSequence(x[0], x[1], x[2], x[2], reverse: false).Reshape(-1), Tensor.LstmSequence(x[3], x[1], x[1], x[1], reverse: true, [2, 1, 2, 1]).Reshape(-1)], 0),
                g => [Normal(g, 2, 2, 4), Normal(g, 4, 1), Normal(g, 2, 1), Normal(g, 2, 4, 4)]),
        ],
        [typeof(OpKind.GruSequence)] =
        [
            new("GruSequence forward in time", x => Tensor.GruSequence(x[0], x[1], x[2], x[3], reverse: false),
                g => [Normal(g, 3, 2, 6), Normal(g, 6, 2), Normal(g, 6), Normal(g, 2, 2)]),
            new("GruSequence reversed without bias, strided gates, transposed weight and a broadcast state", x => Tensor.GruSequence(x[0].Transpose(0, 1), x[1].T, null, x[2].Expand(3, 2), reverse: true),
                g => [Normal(g, 3, 4, 6), Normal(g, 2, 6), Normal(g, 1, 2)]),
            new("GruSequence of one step with a strided bias", x => Tensor.GruSequence(x[0], x[1], x[2].Reshape(3, 2).Narrow(1, 1, 1).Squeeze(1), x[3], reverse: false),
                g => [Normal(g, 1, 3, 3), Normal(g, 3, 1), Normal(g, 6), Normal(g, 3, 1)]),
            new("GruSequence of variable lengths, both directions", x => Tensor.GruSequence(x[0], x[1], x[2], x[3], reverse: false, [1, 3, 2])
                    + Tensor.GruSequence(x[0], x[1], x[2], x[3], reverse: true, [3, 2, 1]),
                g => [Normal(g, 3, 3, 6), Normal(g, 6, 2), Normal(g, 6), Normal(g, 3, 2)]),
            new("GruSequence with one tensor as weight and state", x => Tensor.GruSequence(x[0], x[1], x[2], x[1], reverse: true, [1, 2, 2, 1, 2, 2]),
                g => [Normal(g, 2, 6, 6), Normal(g, 6, 2), Normal(g, 6)]),
        ],
        [typeof(OpKind.RnnSequence)] =
        [
            new("RnnSequence tanh forward in time", x => Tensor.RnnSequence(x[0], x[1], x[2], relu: false, reverse: false),
                g => [Normal(g, 3, 2, 3), Normal(g, 3, 3), Normal(g, 2, 3)]),
            new("RnnSequence tanh reversed, strided gates, transposed weight and a broadcast state", x => Tensor.RnnSequence(x[0].Transpose(0, 1), x[1].T, x[2].Expand(3, 2), relu: false, reverse: true),
                g => [Normal(g, 3, 4, 2), Normal(g, 2, 2), Normal(g, 1, 2)]),
            new("RnnSequence relu", x => Tensor.RnnSequence(x[0], x[1], x[2], relu: true, reverse: false),
                g => [Distinct(g, 3, 2, 3), Normal(g, 3, 3), Normal(g, 2, 3)]),
            new("RnnSequence tanh of variable lengths, both directions", x => Tensor.RnnSequence(x[0], x[1], x[2], relu: false, reverse: false, [2, 3, 1])
                    + Tensor.RnnSequence(x[0], x[1], x[2], relu: false, reverse: true, [1, 2, 3]),
                g => [Normal(g, 3, 3, 2), Normal(g, 2, 2), Normal(g, 3, 2)]),
            new("RnnSequence with one tensor as weight and state", x => Tensor.RnnSequence(x[0], x[1], x[1], relu: false, reverse: false),
                g => [Normal(g, 3, 2, 2), Normal(g, 2, 2)]),
            new("RnnSequence with input gates computed from its weight", x => Tensor.RnnSequence(x[0] * x[1].Sum(), x[1], x[2], relu: false, reverse: true),
                g => [Normal(g, 3, 2, 2), Normal(g, 2, 2), Normal(g, 2, 2)]),
        ],
        [typeof(OpKind.GruCell)] =
        [
            new("GruCell step", x => Tensor.GruCell(x[0], x[1], x[2]), g => [Normal(g, 3, 6), Normal(g, 3, 6), Normal(g, 3, 2)]),
            new("GruCell strided rows and transposed state", x => Tensor.GruCell(x[0].Narrow(1, 2, 6), x[1].T, x[2].T),
                g => [Normal(g, 2, 9), Normal(g, 6, 2), Normal(g, 2, 2)]),
        ],
        // User-defined autograd functions
        [typeof(OpKind.Custom)] =
        [
            new("Custom Legendre P3 of a transposed input", x => new Nabla.Examples.LegendrePolynomial3().Apply(x[0].T), g => [Normal(g, 3, 4)]),
            new("Custom two outputs, one a broadcast gradient", x => CustomFunctionTests.SinCos(x[0], x[1]), g => [Normal(g, 2, 3), Normal(g, 3)]),
        ],
        // Everyday elementwise functions: rounding, sign, trigonometric and hyperbolic, logarithms, remainders.
        [typeof(OpKind.Floor)] = Unary("Floor", t => t.Floor(), OffHalves),
        [typeof(OpKind.Ceil)] = Unary("Ceil", t => t.Ceil(), OffHalves),
        [typeof(OpKind.Round)] = Unary("Round", t => t.Round(), OffHalves),
        [typeof(OpKind.Trunc)] = Unary("Trunc", t => t.Trunc(), OffHalves),
        [typeof(OpKind.Sign)] = Unary("Sign", t => t.Sign(), AwayFromZero),
        [typeof(OpKind.Tan)] = Unary("Tan", t => t.Tan(), (g, s) => Uniform(g, -1.2, 1.2, s)),
        [typeof(OpKind.Asin)] = Unary("Asin", t => t.Asin(), (g, s) => Uniform(g, -0.8, 0.8, s)),
        [typeof(OpKind.Acos)] = Unary("Acos", t => t.Acos(), (g, s) => Uniform(g, -0.8, 0.8, s)),
        [typeof(OpKind.Atan)] = Unary("Atan", t => t.Atan(), Normal),
        [typeof(OpKind.Atan2)] =
        [
            new("Atan2 row broadcast", x => x[0].Atan2(x[1]), g => [Normal(g, 3, 4), AwayFromZero(g, 4)]),
            new("Atan2 transposed + column", x => x[0].T.Atan2(x[1]), g => [AwayFromZero(g, 4, 3), Normal(g, 3, 1)]),
        ],
        [typeof(OpKind.Sinh)] = Unary("Sinh", t => t.Sinh(), Normal),
        [typeof(OpKind.Cosh)] = Unary("Cosh", t => t.Cosh(), Normal),
        [typeof(OpKind.Asinh)] = Unary("Asinh", t => t.Asinh(), Normal),
        [typeof(OpKind.Acosh)] = Unary("Acosh", t => t.Acosh(), (g, s) => Uniform(g, 1.2, 3, s)),
        [typeof(OpKind.Atanh)] = Unary("Atanh", t => t.Atanh(), (g, s) => Uniform(g, -0.8, 0.8, s)),
        [typeof(OpKind.Log2)] = Unary("Log2", t => t.Log2(), Positive),
        [typeof(OpKind.Log10)] = Unary("Log10", t => t.Log10(), Positive),
        [typeof(OpKind.Exp2)] = Unary("Exp2", t => t.Exp2(), Normal),
        [typeof(OpKind.Expm1)] = Unary("Expm1", t => t.Expm1(), Normal),
        [typeof(OpKind.Hypot)] =
        [
            new("Hypot row broadcast", x => x[0].Hypot(x[1]), g => [AwayFromZero(g, 3, 4), AwayFromZero(g, 4)]),
            new("Hypot transposed + 0-d", x => x[0].T.Hypot(x[1]), g => [AwayFromZero(g, 4, 3), AwayFromZero(g)]),
        ],
        [typeof(OpKind.Fmod)] =
        [
            new("Fmod row broadcast", x => x[0].Fmod(x[1]), g => [Dividends(g, 3, 4), Divisors(g, 4)]),
            new("Fmod transposed dividend", x => x[0].T.Fmod(x[1]), g => [Dividends(g, 4, 3), Divisors(g, 3, 1)]),
            new("Fmod scalar divisor", x => x[0].Fmod(-1.875), g => [Dividends(g, 7)]),
        ],
        [typeof(OpKind.Remainder)] =
        [
            new("Remainder row broadcast", x => x[0].Remainder(x[1]), g => [Dividends(g, 3, 4), Divisors(g, 4)]),
            new("Remainder transposed divisor", x => x[0] % x[1].T, g => [Dividends(g, 3, 4), Divisors(g, 4, 3)]),
            new("Remainder scalar divisor", x => x[0] % 1.875, g => [Dividends(g, 7)]),
        ],
        // Indexing and in-place writes
        [typeof(OpKind.AsStrided)] =
        [
            new("AsStrided overlapping windows", x => x[0].AsStrided([4, 3], [2, 1], 1), g => [Normal(g, 12)]),
            new("AsStrided of transposed", x => x[0].T.AsStrided([2, 2], [1, 3], 1).Exp(), g => [Normal(g, 3, 4)]),
            new("AsStrided basic index of transposed", x => x[0].T[1.., TensorIndex.Slice(0, null, 2)] * Weights(3, 2), g => [Normal(g, 3, 4)]),
            new("AsStrided int and new axis", x => x[0][Tensor.NewAxis, ^1, 1..] * Weights(1, 3, 4), g => [Normal(g, 2, 4, 4)]),
        ],
        [typeof(OpKind.AsStridedScatter)] =
        [
            new("AsStridedScatter", x => x[0].AsStridedScatter(x[1], [2, 2], [4, 1], 1), g => [Normal(g, 3, 4), Normal(g, 2, 2)]),
            new("AsStridedScatter transposed source", x => x[0].T.AsStridedScatter(x[1].T, [2, 3], [3, 2], 0).Exp(), g => [Normal(g, 3, 4), Normal(g, 3, 2)]),
        ],
        [typeof(OpKind.CopySlices)] =
        [
            new("CopySlices column from a column", x => { var y = x[0] * 1.0; y[.., 0] = x[0][.., 1] * 2.0; return y.Sum(); }, g => [Normal(g, 3, 4)]),
            new("CopySlices broadcast into a transposed view", x => { var y = x[0] * 2.0; var v = y.T; v[1..3] = x[1]; return v * y.T.Exp(); },
                g => [Normal(g, 3, 4), Normal(g, 3)]),
            new("CopySlices AddInPlace on a narrowed view", x => { var y = x[0].Sin(); y.Narrow(1, 1, 2).AddInPlace(x[1].T, 0.5); return y * y; },
                g => [Normal(g, 3, 4), Normal(g, 2, 3)]),
            new("CopySlices advanced write into a slice", x => { var y = x[0] * 1.0; y[1.., Index(2, 0)] = x[1].Square(); return y.Tanh(); },
                g => [Normal(g, 3, 4), Normal(g, 2, 2)]),
        ],
        // Scans and order statistics
        [typeof(OpKind.CumSum)] =
        [
            new("CumSum dim 1", x => x[0].CumSum(1), g => [Normal(g, 3, 4)]),
            new("CumSum dim 0 of transposed", x => x[0].T.CumSum(0) * x[0].T, g => [Normal(g, 3, 4)]),
            new("CumSum broadcast column", x => x[0].Expand(3, 4).CumSum(1) * Weights(3, 4), g => [Normal(g, 3, 1)]),
        ],
        [typeof(OpKind.LogCumSumExp)] =
        [
            new("LogCumSumExp dim 1", x => x[0].LogCumSumExp(1), g => [Normal(g, 3, 4)]),
            new("LogCumSumExp dim 0 of transposed", x => x[0].T.LogCumSumExp(0) * x[0].T, g => [Normal(g, 3, 4)]),
            new("LogCumSumExp broadcast column", x => x[0].Expand(3, 4).LogCumSumExp(-1) * Weights(3, 4), g => [Normal(g, 3, 1)]),
            new("LogCumSumExp rank 3 middle", x => x[0].LogCumSumExp(1).Sin(), g => [Normal(g, 2, 3, 2)]),
        ],
        [typeof(OpKind.CumProd)] =
        [
            new("CumProd dim 1", x => x[0].CumProd(1), g => [Positive(g, 3, 4)]),
            new("CumProd of transposed with zeros", x => Tensor.Cat([x[0], Tensor.Zeros([2, 1], DType.Float64), x[1]], 1).T.CumProd(0),
                g => [Normal(g, 2, 2), Normal(g, 2, 2)]),
            new("CumProd broadcast with two zeros", x => Tensor.Cat([x[0], Tensor.Zeros([1], DType.Float64), x[1], Tensor.Zeros([1], DType.Float64)], 0).Expand(2, 6).CumProd(1),
                g => [Normal(g, 2), Normal(g, 2)]),
        ],
        [typeof(OpKind.Median)] =
        [
            new("Median all", x => x[0].Median(), g => [Distinct(g, 3, 5)]),
            new("Median all of transposed", x => x[0].T.Median(), g => [Distinct(g, 2, 4)]),
        ],
        // Singular vectors are gauge-free only up to sign: the losses read U and Vh through their squares.
        [typeof(OpKind.Svd)] =
        [
            new("Svd tall, all three outputs", x => SvdLoss(Linalg.Svd(x[0], fullMatrices: false)), g => [Normal(g, 5, 3)]),
            new("Svd wide of transposed", x => SvdLoss(Linalg.Svd(x[0].T, fullMatrices: false)), g => [Normal(g, 5, 3)]),
            new("Svd square batched", x => SvdLoss(Linalg.Svd(x[0], fullMatrices: false)), g => [Normal(g, 2, 3, 3)]),
        ],
        // Shape and linear algebra: Flip, Diagonal, DiagEmbed.
        [typeof(OpKind.Flip)] =
        [
            new("Flip dims 0,2", x => x[0].Flip(0, 2) * Weights(2, 3, 4), g => [Normal(g, 2, 3, 4)]),
            new("Flip of transposed", x => x[0].T.Flip(-1) * Weights(4, 3), g => [Normal(g, 3, 4)]),
        ],
        [typeof(OpKind.Diagonal)] =
        [
            new("Diagonal offset 1 rank 3", x => x[0].Diagonal(1, 1, 2) * Weights(2, 3), g => [Normal(g, 2, 3, 4)]),
            new("Diagonal of transposed, reversed dims", x => x[0].T.Diagonal(-1, 1, 0) * Weights(2), g => [Normal(g, 3, 4)]),
        ],
        [typeof(OpKind.DiagEmbed)] =
        [
            new("DiagEmbed offset -1", x => x[0].DiagEmbed(-1) * Weights(2, 4, 4), g => [Normal(g, 2, 3)]),
            new("DiagEmbed of transposed, dims 0 and 2", x => x[0].T.DiagEmbed(1, 0, 2) * Weights(3, 3, 3), g => [Normal(g, 2, 3)]),
        ],
    };

    private static readonly Sample[] ComposedSamples =
    [
        new("Mean all", x => x[0].Mean(), g => [Normal(g, 3, 4)]),
        new("Mean dims 0,2 of permuted", x => x[0].Permute(1, 2, 0).Mean([0, 2]), g => [Normal(g, 2, 3, 4)]),
        new("Var dim 1", x => x[0].Var(1), g => [Normal(g, 3, 4)]),
        new("Var all, population, keepDim", x => x[0].Var(null, keepDim: true, correction: 0), g => [Normal(g, 2, 3, 2)]),
        new("Std dim 0 of transposed", x => x[0].T.Std([0]), g => [Normal(g, 3, 4)]),
        new("LogSumExp all", x => x[0].LogSumExp(), g => [Normal(g, 3, 4)]),
        new("LogSumExp dim 1 keepDim", x => x[0].LogSumExp(1, keepDim: true), g => [Normal(g, 2, 3, 4)]),
        new("Clamp both bounds", x => x[0].Clamp(-0.5, 0.5), g => [AwayFrom(g, [-0.5, 0.5], 3, 4)]),
        new("Clamp min only", x => x[0].T.Clamp(min: 0.2), g => [AwayFrom(g, [0.2], 3, 4)]),
        new("LeakyRelu", x => x[0].LeakyRelu(0.2), g => [AwayFromZero(g, 3, 4)]),
        new("Elu", x => x[0].Elu(1.5), g => [AwayFromZero(g, 3, 4)]),
        new("Gelu", x => x[0].Gelu(), g => [Normal(g, 3, 4)]),
        new("Softplus", x => x[0].Softplus(), g => [Normal(g, 3, 4)]),
        new("Softplus beta 2 threshold 1", x => x[0].Softplus(2, 1), g => [AwayFrom(g, [0.0, 0.5], 3, 4)]),
        new("Silu", x => x[0].T.Silu(), g => [Normal(g, 3, 4)]),
        new("Square", x => x[0].Square(), g => [Normal(g, 3, 4)]),
        new("Reciprocal", x => x[0].Reciprocal(), g => [AwayFromZero(g, 3, 4)]),
        new("Rsqrt", x => x[0].Rsqrt(), g => [Positive(g, 3, 4)]),
        new("Flatten inner dims", x => x[0].Flatten(1, 2) * Weights(2, 12), g => [Normal(g, 2, 3, 4)]),
        new("Flatten of transposed", x => x[0].T.Flatten() * Weights(12), g => [Normal(g, 3, 4)]),
        new("Squeeze dim", x => x[0].Squeeze(1) * Weights(3, 4), g => [Normal(g, 3, 1, 4)]),
        new("Squeeze all", x => x[0].Squeeze() * Weights(3), g => [Normal(g, 1, 3, 1)]),
        new("Unsqueeze", x => x[0].Unsqueeze(1) * Weights(3, 2, 4), g => [Normal(g, 3, 4)]),
        new("Transpose rank 3", x => x[0].Transpose(0, 2) * Weights(4, 3, 2), g => [Normal(g, 2, 3, 4)]),
        new("Stack dim 1", x => Tensor.Stack([x[0], x[1].T, x[0]], 1), g => [Normal(g, 2, 3), Normal(g, 3, 2)]),
        new("Split uneven", x => { var p = x[0].Split(2, 0); return Tensor.Cat([p[2], p[0].Exp()], 0); }, g => [Normal(g, 5, 3)]),
        new("Chunk dim 1", x => { var p = x[0].Chunk(2, 1); return p[0].Narrow(1, 1, 2) * p[1]; }, g => [Normal(g, 2, 5)]),
        new("Slice negative bounds", x => x[0].Slice(1, -3, -1) * Weights(3, 2), g => [Normal(g, 3, 5)]),
        new("MatMul 1-D dot", x => x[0].MatMul(x[1]), g => [Normal(g, 5), Normal(g, 5)]),
        new("MatMul 1-D @ 2-D", x => x[0].MatMul(x[1]), g => [Normal(g, 4), Normal(g, 4, 3)]),
        new("MatMul 2-D @ 1-D", x => x[0].MatMul(x[1]), g => [Normal(g, 3, 4), Normal(g, 4)]),
        new("MatMul 3-D @ 2-D", x => x[0].MatMul(x[1]), g => [Normal(g, 2, 3, 4), Normal(g, 4, 2)]),
        new("MatMul 1-D @ 3-D", x => x[0].MatMul(x[1]), g => [Normal(g, 4), Normal(g, 2, 4, 3)]),
        new("MatMul 2-D @ batched 4-D", x => x[0].MatMul(x[1]), g => [Normal(g, 3, 4), Normal(g, 2, 1, 4, 2)]),
        new("Tril diagonal 1 of transposed", x => x[0].Transpose(-2, -1).Tril(1).Exp(), g => [Normal(g, 2, 5, 3)]),
        new("Triu diagonal -1", x => x[0].Triu(-1) * x[0], g => [Normal(g, 4, 3)]),
        new("MaskedFill broadcast int64 mask", x => x[0].T.MaskedFill(Index([4, 1], 1, 0, 0, 1), 0.75).Exp(), g => [Normal(g, 3, 4)]),
        // Everyday elementwise functions: rounding, sign, trigonometric and hyperbolic, logarithms, remainders.
        new("Frac", x => x[0].Frac(), g => [OffHalves(g, 3, 4)]),
        new("Frac of transposed", x => x[0].T.Frac() * x[0].T, g => [OffHalves(g, 3, 4)]),
        new("Round decimals 2 of transposed", x => x[0].T.Round(2) * x[0].T, g => [OffHalves(g, 3, 4)]),
        new("Lerp tensor weight broadcast", x => x[0].Lerp(x[1], x[2]), g => [Normal(g, 3, 4), Normal(g, 4), Normal(g, 3, 1)]),
        new("Lerp transposed start, weight on both sides of 0.5", x => x[0].T.Lerp(x[1], x[2]), g => [Normal(g, 4, 3), Normal(g, 3, 4), Uniform(g, -1, 2, 3, 4)]),
        new("Lerp scalar weight 0.25", x => x[0].Lerp(x[1].T, 0.25), g => [Normal(g, 3, 4), Normal(g, 4, 3)]),
        new("Lerp scalar weight 0.75", x => x[0].Lerp(x[1], 0.75), g => [Normal(g, 3, 4), Normal(g, 4)]),
        new("Xlogy broadcast", x => x[0].Xlogy(x[1]), g => [AwayFromZero(g, 3, 4), Positive(g, 4)]),
        new("Xlogy transposed", x => x[0].T.Xlogy(x[1]), g => [AwayFromZero(g, 4, 3), Positive(g, 3, 4)]),
        // Indexing and in-place writes
        new("Indexer two broadcast index tensors of transposed", x => x[0].T[Index([2, 1], 3, 0), Index(1, 2, 2)].Exp(), g => [Normal(g, 3, 4)]),
        new("Indexer separated index tensors", x => x[0][Index(1, 0), .., Index(3, 3)] * Weights(2, 3), g => [Normal(g, 2, 3, 4)]),
        new("Indexer advanced assignment", x => { var y = x[0] * 1.0; y[Index(0, 2), 1..3] = x[1]; return y.Exp(); }, g => [Normal(g, 3, 4), Normal(g, 2)]),
        new("IndexPut accumulate repeated", x => x[0].IndexPut([Index(1, 1, 0)], x[1], accumulate: true).Square(), g => [Normal(g, 3, 2), Normal(g, 3, 2)]),
        new("MaskedSelect broadcast", x => x[0].MaskedSelect(Index(1, 0, 1, 1)) * Weights(9), g => [Normal(g, 3, 4)]),
        new("MaskedScatter", x => x[0].T.MaskedScatter(Index([4, 1], 0, 1, 1, 0), x[1]).Square(), g => [Normal(g, 3, 4), Normal(g, 7)]),
        new("Scatter into transposed", x => x[0].T.Scatter(1, Index([2, 2], 2, 0, 1, 2), x[1]).Square(), g => [Normal(g, 3, 4), Normal(g, 2, 2)]),
        new("Take", x => x[0].T.Take(Index([2, 2], 0, -1, 5, 5)).Exp(), g => [Normal(g, 3, 4)]),
        new("IndexFill", x => x[0].IndexFill(1, Index(0, 2), 0.5).Square(), g => [Normal(g, 3, 4)]),
        new("InPlace MulInPlace by a tensor that requires grad", x => { var y = x[0] * 1.0; y.MulInPlace(x[1]); return y.Square(); }, g => [Normal(g, 3, 4), Normal(g, 4)]),
        new("InPlace MaskedFillInPlace then Exp", x => (x[0] + 0.0).MaskedFillInPlace(Index(0, 1, 0, 1), -1).Exp(), g => [Normal(g, 3, 4)]),
        // Scans and order statistics
        new("Prod dim 1", x => x[0].Prod(1), g => [Normal(g, 3, 4)]),
        new("Prod all with one zero", x => Tensor.Cat([x[0].Reshape(-1), Tensor.Zeros([1], DType.Float64)], 0).Prod(), g => [Normal(g, 2, 2)]),
        new("Prod dim 0 of transposed, keepDim", x => x[0].T.Prod(0, keepDim: true), g => [Normal(g, 3, 4)]),
        new("Sort values descending of transposed", x => x[0].T.Sort(0, descending: true).Values * Weights(4, 3), g => [Distinct(g, 3, 4)]),
        new("TopK values", x => x[0].TopK(2).Values * Weights(3, 2), g => [Distinct(g, 3, 5)]),
        new("Kthvalue values", x => x[0].Kthvalue(2, 0).Values, g => [Distinct(g, 4, 3)]),
        new("Median values along dim 1", x => x[0].Median(1).Values, g => [Distinct(g, 3, 4)]),
        new("Mode values", x => x[0].Mode(1).Values * Weights(2), g => [Distinct(g, 2, 3)]),
        new("Cummax values", x => x[0].Cummax(1).Values * Weights(3, 4), g => [Distinct(g, 3, 4)]),
        new("Cummin values of transposed", x => x[0].T.Cummin(0).Values * Weights(4, 3), g => [Distinct(g, 3, 4)]),
        new("Quantile linear along dim 1", x => x[0].Quantile(Tensor.FromArray([0.3, 0.75]), 1), g => [Distinct(g, 3, 5)]),
        new("Quantile midpoint of all", x => x[0].Quantile(0.5, interpolation: "midpoint"), g => [Distinct(g, 2, 4)]),
        new("Norm 2 dim 1", x => x[0].Norm(2, 1), g => [Normal(g, 3, 4)]),
        new("Norm 3 of transposed", x => x[0].T.Norm(3), g => [AwayFromZero(g, 3, 4)]),
        new("Norm 0.5 dims 0,2", x => x[0].Norm(0.5, [0, 2]), g => [AwayFromZero(g, 2, 3, 2)]),
        new("Norm inf", x => x[0].Norm(double.PositiveInfinity, 0), g => [Distinct(g, 4, 3)]),
        new("Norm nuc of transposed", x => x[0].T.Norm("nuc"), g => [Normal(g, 4, 3)]),
        new("Norm fro dims 0,2", x => x[0].Norm("fro", [0, 2]), g => [Normal(g, 2, 3, 2)]),
        new("Svdvals batched wide", x => Linalg.Svdvals(x[0]) * Weights(2, 2), g => [Normal(g, 2, 2, 4)]),
        new("MatrixNorm nuc dims 0,2", x => Linalg.MatrixNorm(x[0], "nuc", [0, 2]), g => [Normal(g, 3, 2, 4)]),
        new("MatrixNorm 2 and -2", x => Linalg.MatrixNorm(x[0], 2) + Linalg.MatrixNorm(x[0], -2), g => [Normal(g, 3, 4)]),
        new("MatrixNorm 1 and inf", x => Linalg.MatrixNorm(x[0], 1) + Linalg.MatrixNorm(x[0].T, double.NegativeInfinity), g => [Distinct(g, 3, 4)]),
        new("Dist broadcast", x => x[0].Dist(x[1]), g => [Normal(g, 3, 4), Normal(g, 4)]),
        new("Cdist batched", x => Tensor.Cdist(x[0], x[1]), g => [Normal(g, 2, 3, 4), Normal(g, 2, 2, 4)]),
        new("Cdist p1 broadcast batch", x => Tensor.Cdist(x[0], x[1].Transpose(-2, -1), 1), g => [Distinct(g, 1, 2, 3), Distinct(g, 2, 3, 4)]),
        new("Nansum dim 0", x => x[0].Nansum([0]), g => [Normal(g, 3, 4)]),
        new("Nanmean all", x => x[0].T.Nanmean(), g => [Normal(g, 3, 4)]),
    ];

    private static readonly string[] SecondOrderOps =
        ["Add", "Sub", "Mul", "Div", "Pow", "Maximum", "Minimum", "Neg", "Exp", "Log", "Sqrt", "Abs", "Relu", "Sigmoid", "Tanh", "Sin", "Cos", "Erf", "LogOnePlusExp", "Where",
         "Sum", "Max", "Min", "Amax", "Amin", "Softmax", "LogSoftmax", "MatMul", "Linear", "Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d",
         "Mean", "Var", "Std", "LogSumExp", "Clamp", "LeakyRelu", "Elu", "Gelu", "Softplus", "Silu", "Square", "Reciprocal", "Rsqrt", "Log1p",
         "Tril", "Triu", "MaskedFill",
         "LstmCell", "LstmSequence", "GruCell", "GruSequence", "RnnSequence",
         "Custom",
         "Floor", "Ceil", "Round", "Trunc", "Sign", "Tan", "Asin", "Acos", "Atan", "Atan2", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh",
         "Log2", "Log10", "Exp2", "Expm1", "Hypot", "Fmod", "Remainder", "Frac", "Lerp", "Xlogy",
         "AsStrided", "AsStridedScatter", "CopySlices", "Indexer", "IndexPut", "MaskedSelect", "MaskedScatter", "Scatter", "Take", "IndexFill", "InPlace",
         "CumSum", "LogCumSumExp", "CumProd", "Median", "Prod", "Sort", "TopK", "Quantile", "Norm", "Dist", "Cdist", "Nansum",
         "Flip", "Diagonal", "DiagEmbed", "Svd", "Svdvals", "MatrixNorm"];

    private static IEnumerable<Sample> AllOpSamples => OpSamples.Values.SelectMany(s => s);

    private static Sample Find(string name) =>
        AllOpSamples.Concat(ComposedSamples).Single(s => s.Name == name);

    /// <summary>Names of every primitive's samples.</summary>
    public static TheoryData<string> OpSampleNames => [.. AllOpSamples.Select(s => s.Name)];

    /// <summary>Names of the composed functions' samples.</summary>
    public static TheoryData<string> ComposedSampleNames => [.. ComposedSamples.Select(s => s.Name)];

    /// <summary>Names of the samples whose second derivatives are checked: elementwise ops, reductions, MatMul.</summary>
    public static TheoryData<string> SecondOrderSampleNames =>
        [.. AllOpSamples.Concat(ComposedSamples).Select(s => s.Name).Where(n => SecondOrderOps.Contains(n.Split(' ')[0]))];

    [Fact]
    public void EveryOpKindHasAGradCheckSample()
    {
        var missing = Primitives.Where(op => !OpSamples.TryGetValue(op, out var s) || s.Length == 0).Select(op => op.Name).ToArray();
        Assert.True(missing.Length == 0, $"OpKind primitives without a gradient-check sample in {nameof(GradCheckOpTests)}: {string.Join(", ", missing)}.");
    }

    [Fact]
    public void EverySampleRecordsTheOpItIsFiledUnder()
    {
        foreach (var (op, samples) in OpSamples)
        {
            foreach (var sample in samples)
            {
                var output = sample.Func(sample.MakeInputs());
                Assert.True(RecordedOps(output).Contains(op), $"Sample '{sample.Name}' is filed under {op.Name} but records only {string.Join(", ", RecordedOps(output).Select(t => t.Name))}.");
            }
        }
    }

    [Theory]
    [MemberData(nameof(OpSampleNames))]
    public void PrimitiveGradientsMatchFiniteDifferences(string name) => AssertPasses(name, secondOrder: false);

    [Theory]
    [MemberData(nameof(ComposedSampleNames))]
    public void ComposedGradientsMatchFiniteDifferences(string name) => AssertPasses(name, secondOrder: false);

    [Theory]
    [MemberData(nameof(SecondOrderSampleNames))]
    public void SecondDerivativesMatchFiniteDifferences(string name) => AssertPasses(name, secondOrder: true);

    [Fact]
    public void SecondOrderSamplesCoverElementwiseReductionsAndMatMul()
    {
        var names = ((IEnumerable<object[]>)SecondOrderSampleNames).Select(row => (string)row[0]).ToArray();
        foreach (var op in SecondOrderOps)
            Assert.Contains(names, n => n.Split(' ')[0] == op);
    }

    private static void AssertPasses(string name, bool secondOrder)
    {
        var sample = Find(name);
        var inputs = sample.MakeInputs();
        var result = secondOrder
            ? GradCheck.CheckSecondOrder(sample.Func, inputs, sample.Eps)
            : GradCheck.Check(sample.Func, inputs, sample.Eps);
        Assert.True(result.Passed, $"{name}: {result}");
        if (secondOrder)
            AssertRecordedGradientsEqualUnrecorded(name, sample.Func, inputs);
    }

    /// <summary>
    /// The second-order check differentiates the gradients a recorded backward pass computes, which for a fused op
    /// are those of its composition; they must be the gradients the unrecorded pass computes.
    /// </summary>
    private static void AssertRecordedGradientsEqualUnrecorded(string name, Func<Tensor[], Tensor> func, Tensor[] inputs)
    {
        var wrt = inputs.Where(x => x.RequiresGrad).ToArray();
        var output = func(inputs);
        var upstream = Tensor.Randn(output.Shape.ToArray(), DType.Float64, new Generator(1));
        var recorded = Autograd.Grad([output], wrt, [upstream], retainGraph: true, createGraph: true, allowUnused: true);
        var unrecorded = Autograd.Grad([output], wrt, [upstream], allowUnused: true);
        for (int i = 0; i < wrt.Length; i++)
        {
            if (recorded[i] is null || unrecorded[i] is null)
            {
                Assert.True(recorded[i] is null && unrecorded[i] is null, $"{name}: input {i} has a gradient only when the backward pass is {(recorded[i] is null ? "unrecorded" : "recorded")}.");
                continue;
            }
            Assert.True(recorded[i]!.AllClose(unrecorded[i]!, 1e-9, 1e-12), $"{name}: the recorded gradient of input {i} differs from the unrecorded one.");
        }
    }

    /// <summary>Every primitive: the records nested in <see cref="OpKind"/>.</summary>
    private static IEnumerable<Type> Primitives =>
        typeof(OpKind).GetNestedTypes().Where(t => t.IsSubclassOf(typeof(OpKind)));

    private static HashSet<Type> RecordedOps(Tensor output)
    {
        var ops = new HashSet<Type>();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Tensor>([output]);
        while (stack.Count > 0)
        {
            var t = stack.Pop();
            if (t.Node is not { } node || !seen.Add(t)) continue;
            ops.Add(node.Op.GetType());
            foreach (var input in node.Inputs) stack.Push(input);
        }
        return ops;
    }

    private static Sample[] Unary(string op, Func<Tensor, Tensor> f, Func<Generator, int[], Tensor> make) =>
    [
        new($"{op} vector", x => f(x[0]), g => [make(g, [7])]),
        new($"{op} of permuted", x => f(x[0].Permute(2, 0, 1)), g => [make(g, [2, 3, 2])]),
    ];

    private static Tensor Leaf(double[] values, int[] shape) => Tensor.FromArray(values).Reshape(shape).SetRequiresGrad();

    private static Tensor Fill(Generator g, int[] shape, Func<double> next)
    {
        var values = new double[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < values.Length; i++) values[i] = next();
        return Leaf(values, shape);
    }

    /// <summary>Standard normal float64 leaf.</summary>
    private static Tensor Normal(Generator g, params int[] shape) => Fill(g, shape, g.NextGaussian);

    /// <summary>Uniform in [−30, 30]: both tails of a saturating function as well as its middle.</summary>
    private static Tensor Wide(Generator g, params int[] shape) => Fill(g, shape, () => -30 + 60 * g.NextDouble());

    /// <summary>Uniform in [0.5, 2]: inside the domain of log, sqrt, pow with any exponent.</summary>
    private static Tensor Positive(Generator g, params int[] shape) => Fill(g, shape, () => 0.5 + 1.5 * g.NextDouble());

    /// <summary>±[0.2, 2], random sign: away from the kink of abs/relu and the pole of 1/x.</summary>
    private static Tensor AwayFromZero(Generator g, params int[] shape) => AwayFrom(g, [0.0], shape);

    /// <summary>Uniform in [-2, 2] but at least 0.1 from each of <paramref name="points"/>.</summary>
    private static Tensor AwayFrom(Generator g, double[] points, params int[] shape) => Fill(g, shape, () =>
    {
        double v;
        do v = -2 + 4 * g.NextDouble(); while (points.Any(p => Math.Abs(v - p) < 0.1));
        return v;
    });

    /// <summary>A shuffled, jittered grid: every two elements at least 0.1 apart, so max/min have no ties.</summary>
    private static Tensor Distinct(Generator g, params int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        var order = g.Permutation(n);
        return Leaf(order.Select(k => -1.5 + 0.3 * k + 0.1 * g.NextDouble()).ToArray(), shape);
    }

    /// <summary>Shuffled values (k/2 + offset): two tensors with offsets 0.1 and 0.35 never come within 0.25 of each other.</summary>
    private static Tensor Interleaved(Generator g, double offset, params int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        return Leaf(g.Permutation(n).Select(k => (k - n / 2) * 0.5 + offset).ToArray(), shape);
    }

    /// <summary>Normal samples rounded to multiples of 1/1024 (exact in float32).</summary>
    private static Tensor OnGrid(Generator g, params int[] shape) => Fill(g, shape, () => Math.Round(g.NextGaussian() * 1024) / 1024);

    /// <summary>Uniform in [<paramref name="lo"/>, <paramref name="hi"/>].</summary>
    private static Tensor Uniform(Generator g, double lo, double hi, params int[] shape) => Fill(g, shape, () => lo + (hi - lo) * g.NextDouble());

    /// <summary>Uniform in [−3, 3] but at least 0.1 from every multiple of 0.5: away from the steps of the rounding functions.</summary>
    private static Tensor OffHalves(Generator g, params int[] shape) => Fill(g, shape, () =>
    {
        double v;
        do v = -3 + 6 * g.NextDouble(); while (Math.Abs(v * 2 - Math.Round(v * 2)) < 0.2);
        return v;
    });

    /// <summary>Divisors ±[1.8, 2]: against <see cref="Dividends"/> every quotient is at least 0.1 from an integer.</summary>
    private static Tensor Divisors(Generator g, params int[] shape) => Fill(g, shape, () => (g.NextDouble() < 0.5 ? -1 : 1) * (1.8 + 0.2 * g.NextDouble()));

    /// <summary>Dividends ±[0.2, 1.6] or ±[2.2, 3.4], random sign: quotients by <see cref="Divisors"/> fall in ±(0.1, 0.9) or ±(1.1, 1.9).</summary>
    private static Tensor Dividends(Generator g, params int[] shape) => Fill(g, shape, () =>
        (g.NextDouble() < 0.5 ? -1 : 1) * (g.NextDouble() < 0.5 ? 0.2 + 1.4 * g.NextDouble() : 2.2 + 1.2 * g.NextDouble()));

    /// <summary>Distinct constant weights, so that an identity-like view has a Jacobian that would expose a permuted gradient.</summary>
    /// <summary>A loss of all three SVD outputs that does not depend on the signs of the singular vectors.</summary>
    private static Tensor SvdLoss((Tensor U, Tensor S, Tensor Vh) svd) =>
        (svd.U.Square() * Weights(svd.U.ShapeArray)).Sum() + (svd.S * Weights(svd.S.ShapeArray)).Sum() + (svd.Vh.Square() * Weights(svd.Vh.ShapeArray)).Sum();

    private static Tensor Weights(params int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        return Tensor.FromArray(Enumerable.Range(0, n).Select(k => 1.0 + 0.25 * k).ToArray()).Reshape(shape);
    }

    private static Tensor Condition(params int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        return Tensor.FromArray(Enumerable.Range(0, n).Select(k => (double)(k * 7 % 3 == 0 ? 1 : 0)).ToArray()).Reshape(shape);
    }

    private static Tensor Index(params long[] values) => Tensor.FromArray(values);

    private static Tensor Index(int[] shape, params long[] values) => Tensor.FromArray(values, shape);

    private static ulong StableHash(string s)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in s) h = (h ^ c) * 1099511628211UL;
        return h;
    }
}
