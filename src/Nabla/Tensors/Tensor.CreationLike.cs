namespace Nabla;

public sealed partial class Tensor
{
    /// <summary>Zeros with the shape of <paramref name="input"/> and its dtype unless <paramref name="dtype"/> is given (as <c>torch.zeros_like</c>).</summary>
    /// <param name="input">The tensor whose shape (and dtype) the result takes.</param>
    /// <param name="dtype">The result's dtype; the input's when null.</param>
    /// <param name="requiresGrad">Whether the result is a leaf that requires grad.</param>
    public static Tensor ZerosLike(Tensor input, DType? dtype = null, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        return ZerosInternal((int[])input.ShapeArray.Clone(), dtype ?? input.DType).WithGrad(requiresGrad);
    }

    /// <summary>Ones with the shape of <paramref name="input"/> and its dtype unless <paramref name="dtype"/> is given (as <c>torch.ones_like</c>).</summary>
    /// <param name="input">The tensor whose shape (and dtype) the result takes.</param>
    /// <param name="dtype">The result's dtype; the input's when null.</param>
    /// <param name="requiresGrad">Whether the result is a leaf that requires grad.</param>
    public static Tensor OnesLike(Tensor input, DType? dtype = null, bool requiresGrad = false) => FullLike(input, 1.0, dtype, requiresGrad);

    /// <summary><paramref name="fillValue"/> everywhere, with the shape of <paramref name="input"/> and its dtype unless <paramref name="dtype"/> is given (as <c>torch.full_like</c>).</summary>
    /// <param name="input">The tensor whose shape (and dtype) the result takes.</param>
    /// <param name="fillValue">The value of every element.</param>
    /// <param name="dtype">The result's dtype; the input's when null.</param>
    /// <param name="requiresGrad">Whether the result is a leaf that requires grad.</param>
    public static Tensor FullLike(Tensor input, double fillValue, DType? dtype = null, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Full(input.ShapeArray, fillValue, dtype ?? input.DType, requiresGrad);
    }

    /// <summary>
    /// A tensor with the shape of <paramref name="input"/> and its dtype unless <paramref name="dtype"/> is given, whose
    /// values are unspecified (as <c>torch.empty_like</c>); write every element before reading it.
    /// </summary>
    /// <param name="input">The tensor whose shape (and dtype) the result takes.</param>
    /// <param name="dtype">The result's dtype; the input's when null.</param>
    /// <param name="requiresGrad">Whether the result is a leaf that requires grad.</param>
    public static Tensor EmptyLike(Tensor input, DType? dtype = null, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Empty((int[])input.ShapeArray.Clone(), dtype ?? input.DType).WithGrad(requiresGrad);
    }

    /// <summary>Uniform samples in [0, 1) with the shape of <paramref name="input"/> and its (floating-point) dtype unless <paramref name="dtype"/> is given (as <c>torch.rand_like</c>).</summary>
    /// <param name="input">The tensor whose shape (and dtype) the result takes.</param>
    /// <param name="dtype">The result's dtype, float32 or float64; the input's when null.</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    /// <param name="requiresGrad">Whether the result is a leaf that requires grad.</param>
    public static Tensor RandLike(Tensor input, DType? dtype = null, Generator? generator = null, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Rand(input.ShapeArray, dtype ?? input.DType, generator, requiresGrad);
    }

    /// <summary>Standard normal samples with the shape of <paramref name="input"/> and its (floating-point) dtype unless <paramref name="dtype"/> is given (as <c>torch.randn_like</c>).</summary>
    /// <param name="input">The tensor whose shape (and dtype) the result takes.</param>
    /// <param name="dtype">The result's dtype, float32 or float64; the input's when null.</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    /// <param name="requiresGrad">Whether the result is a leaf that requires grad.</param>
    public static Tensor RandnLike(Tensor input, DType? dtype = null, Generator? generator = null, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Randn(input.ShapeArray, dtype ?? input.DType, generator, requiresGrad);
    }

    /// <summary>Uniform integers in [0, <paramref name="high"/>) with the shape and dtype of <paramref name="input"/> (as <c>torch.randint_like(input, high)</c>).</summary>
    /// <param name="input">The tensor whose shape and dtype the result takes.</param>
    /// <param name="high">One above the largest value drawn.</param>
    public static Tensor RandIntLike(Tensor input, long high) => RandIntLike(input, 0, high);

    /// <summary>
    /// Uniform integers in [<paramref name="low"/>, <paramref name="high"/>) with the shape of <paramref name="input"/>
    /// and its dtype unless <paramref name="dtype"/> is given (as <c>torch.randint_like</c>; a float dtype holds the
    /// integers as floats).
    /// </summary>
    /// <param name="input">The tensor whose shape (and dtype) the result takes.</param>
    /// <param name="low">The smallest value drawn.</param>
    /// <param name="high">One above the largest value drawn.</param>
    /// <param name="dtype">The result's dtype; the input's when null.</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    public static Tensor RandIntLike(Tensor input, long low, long high, DType? dtype = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        var ints = RandInt(low, high, input.ShapeArray, generator);
        var target = dtype ?? input.DType;
        return target == DType.Int64 ? ints : ints.To(target);
    }

    /// <summary>Zeros of <paramref name="size"/> with this tensor's dtype unless <paramref name="dtype"/> is given (as <c>Tensor.new_zeros</c>).</summary>
    /// <param name="size">The shape of the result.</param>
    /// <param name="dtype">The result's dtype; this tensor's when null.</param>
    /// <param name="requiresGrad">Whether the result is a leaf that requires grad.</param>
    public Tensor NewZeros(int[] size, DType? dtype = null, bool requiresGrad = false) => Zeros(size, dtype ?? DType, requiresGrad);

    /// <summary>Ones of <paramref name="size"/> with this tensor's dtype unless <paramref name="dtype"/> is given (as <c>Tensor.new_ones</c>).</summary>
    /// <param name="size">The shape of the result.</param>
    /// <param name="dtype">The result's dtype; this tensor's when null.</param>
    /// <param name="requiresGrad">Whether the result is a leaf that requires grad.</param>
    public Tensor NewOnes(int[] size, DType? dtype = null, bool requiresGrad = false) => Ones(size, dtype ?? DType, requiresGrad);

    /// <summary><paramref name="fillValue"/> in a tensor of <paramref name="size"/> with this tensor's dtype unless <paramref name="dtype"/> is given (as <c>Tensor.new_full</c>).</summary>
    /// <param name="size">The shape of the result.</param>
    /// <param name="fillValue">The value of every element.</param>
    /// <param name="dtype">The result's dtype; this tensor's when null.</param>
    /// <param name="requiresGrad">Whether the result is a leaf that requires grad.</param>
    public Tensor NewFull(int[] size, double fillValue, DType? dtype = null, bool requiresGrad = false) => Full(size, fillValue, dtype ?? DType, requiresGrad);

    /// <summary>A tensor of <paramref name="size"/> with this tensor's dtype unless <paramref name="dtype"/> is given, values unspecified (as <c>Tensor.new_empty</c>).</summary>
    /// <param name="size">The shape of the result.</param>
    /// <param name="dtype">The result's dtype; this tensor's when null.</param>
    /// <param name="requiresGrad">Whether the result is a leaf that requires grad.</param>
    public Tensor NewEmpty(int[] size, DType? dtype = null, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(size);
        ShapeUtil.ValidateShape("NewEmpty", size);
        return Empty((int[])size.Clone(), dtype ?? DType).WithGrad(requiresGrad);
    }

    /// <summary>
    /// A new leaf holding a copy of <paramref name="data"/> (a <c>float</c>, <c>double</c>, <c>long</c> or <c>int</c>
    /// array of any rank) in this tensor's dtype unless <paramref name="dtype"/> is given (as <c>Tensor.new_tensor</c>).
    /// </summary>
    /// <param name="data">The values, with their array's shape.</param>
    /// <param name="dtype">The result's dtype; this tensor's when null.</param>
    /// <param name="requiresGrad">Whether the result is a leaf that requires grad.</param>
    public Tensor NewTensor(Array data, DType? dtype = null, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(data);
        var values = FromArray(data);
        var target = dtype ?? DType;
        return (values.DType == target ? values : values.To(target).Detach()).WithGrad(requiresGrad);
    }

    /// <summary>
    /// 0/1 samples: element i is 1 with probability <paramref name="p"/>[i], as <c>torch.bernoulli</c>. The result has
    /// the shape and dtype of <paramref name="p"/>, whose values must lie in [0, 1]. Never recorded in the graph.
    /// </summary>
    /// <param name="p">The probabilities, a floating-point tensor.</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    public static Tensor Bernoulli(Tensor p, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(p);
        p.RequireFloat("Bernoulli");
        var probabilities = p.ToDoubleArray();
        foreach (double v in probabilities)
        {
            if (!(v >= 0 && v <= 1))
                throw new ArgumentException($"Bernoulli: probabilities must be in [0, 1], got {v.ToString(System.Globalization.CultureInfo.InvariantCulture)} in {ShapeUtil.Describe(p)}.", nameof(p));
        }
        var g = generator ?? Generator.Default;
        CheckpointFunction.Capture.NoteGenerator(g);
        var result = Empty((int[])p.ShapeArray.Clone(), p.DType);
        for (int i = 0; i < probabilities.Length; i++) result.SetFromDouble(i, g.NextDouble() < probabilities[i] ? 1 : 0);
        return result;
    }

    /// <summary>
    /// 0/1 samples of this tensor's shape and dtype, each 1 with probability <paramref name="p"/> (as
    /// <c>Tensor.bernoulli(p)</c>). Never recorded in the graph.
    /// </summary>
    /// <param name="p">The probability of a 1, in [0, 1].</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    public Tensor Bernoulli(double p, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, $"Bernoulli: p must be in [0, 1], got {p} (input {ShapeUtil.Describe(this)}).");
        var g = generator ?? Generator.Default;
        CheckpointFunction.Capture.NoteGenerator(g);
        var result = Empty((int[])ShapeArray.Clone(), DType);
        for (int i = 0; i < result.Numel; i++) result.SetFromDouble(i, g.NextDouble() < p ? 1 : 0);
        return result;
    }

    /// <summary>A random permutation of 0 … n−1 as a tensor, as <c>torch.randperm</c> (<see cref="Generator.Permutation"/> gives it as an array).</summary>
    /// <param name="n">The number of elements, ≥ 0.</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    /// <param name="dtype">The result's dtype.</param>
    public static Tensor RandPerm(int n, Generator? generator = null, DType dtype = DType.Int64)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, $"RandPerm: n must be non-negative, got {n}.");
        var g = generator ?? Generator.Default;
        CheckpointFunction.Capture.NoteGenerator(g);
        var order = FromArray(Array.ConvertAll(g.Permutation(n), v => (long)v), n);
        return dtype == DType.Int64 ? order : order.To(dtype);
    }

    /// <summary>
    /// <paramref name="steps"/> values spaced evenly on a log scale: base^s for s in
    /// <c>Linspace(start, end, steps)</c>, as <c>torch.logspace</c>.
    /// </summary>
    /// <param name="start">The first exponent.</param>
    /// <param name="end">The last exponent.</param>
    /// <param name="steps">The number of values, ≥ 0.</param>
    /// <param name="base">The base of the powers.</param>
    /// <param name="dtype">The result's dtype.</param>
    public static Tensor Logspace(double start, double end, int steps, double @base = 10, DType dtype = DType.Float32)
    {
        var exponents = Linspace(start, end, steps, DType.Float64).ToArray<double>();
        var t = Empty([steps], dtype);
        for (int i = 0; i < steps; i++) t.SetFromDouble(i, Math.Pow(@base, exponents[i]));
        return t;
    }
}
