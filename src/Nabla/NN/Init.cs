namespace Nabla.NN;

/// <summary>The non-linearity an initialisation is scaled for (see <see cref="Init.CalculateGain"/>).</summary>
public enum Nonlinearity
{
    /// <summary>The identity (gain 1).</summary>
    Linear,
    /// <summary>A convolution without activation (gain 1).</summary>
    Conv,
    /// <summary>The logistic sigmoid (gain 1).</summary>
    Sigmoid,
    /// <summary>tanh (gain 5/3).</summary>
    Tanh,
    /// <summary>ReLU (gain √2).</summary>
    Relu,
    /// <summary>Leaky ReLU with negative slope a (gain √(2 / (1 + a²))).</summary>
    LeakyRelu,
    /// <summary>SELU (gain 3/4).</summary>
    Selu,
}

/// <summary>Which fan a Kaiming initialisation preserves the variance of.</summary>
public enum FanMode
{
    /// <summary>The number of inputs of a unit: preserves the variance of activations in the forward pass.</summary>
    FanIn,
    /// <summary>The number of outputs of a unit: preserves the variance of gradients in the backward pass.</summary>
    FanOut,
}

/// <summary>
/// Parameter initialisation, mirroring <c>torch.nn.init</c>. Every method overwrites its tensor in place (under
/// <see cref="Autograd.NoGrad"/>, so it works on parameters), draws from the given generator or
/// <see cref="Generator.Default"/>, and returns the tensor. Fans follow PyTorch: for a weight of shape
/// (out, in, k₁, k₂, …) fan_in = in·k₁·k₂·… and fan_out = out·k₁·k₂·….
/// </summary>
public static class Init
{
    /// <summary>Fills <paramref name="tensor"/> with samples of U(a, b).</summary>
    /// <param name="tensor">The floating-point tensor to overwrite.</param>
    /// <param name="a">The lower bound.</param>
    /// <param name="b">The upper bound.</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    public static Tensor Uniform(Tensor tensor, double a = 0, double b = 1, Generator? generator = null)
    {
        RequireFloat("Uniform", tensor);
        if (!(a <= b)) throw new ArgumentException($"Init.Uniform: a ({a}) must not exceed b ({b}).", nameof(b));
        var g = generator ?? Generator.Default;
        return Overwrite(tensor, () => a + (b - a) * g.NextDouble());
    }

    /// <summary>Fills <paramref name="tensor"/> with samples of N(mean, std²).</summary>
    /// <param name="tensor">The floating-point tensor to overwrite.</param>
    /// <param name="mean">The mean.</param>
    /// <param name="std">The standard deviation, ≥ 0.</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    public static Tensor Normal(Tensor tensor, double mean = 0, double std = 1, Generator? generator = null)
    {
        RequireFloat("Normal", tensor);
        if (!(std >= 0)) throw new ArgumentOutOfRangeException(nameof(std), std, $"Init.Normal: std must be non-negative, got {std}.");
        var g = generator ?? Generator.Default;
        return Overwrite(tensor, () => mean + std * g.NextGaussian());
    }

    /// <summary>Fills <paramref name="tensor"/> with <paramref name="value"/>.</summary>
    /// <param name="tensor">The tensor to overwrite.</param>
    /// <param name="value">The constant.</param>
    public static Tensor Constant(Tensor tensor, double value)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using (Autograd.NoGrad()) tensor.Fill(value);
        return tensor;
    }

    /// <summary>Fills <paramref name="tensor"/> with zeros.</summary>
    /// <param name="tensor">The tensor to overwrite.</param>
    public static Tensor Zeros(Tensor tensor) => Constant(tensor, 0);

    /// <summary>Fills <paramref name="tensor"/> with ones.</summary>
    /// <param name="tensor">The tensor to overwrite.</param>
    public static Tensor Ones(Tensor tensor) => Constant(tensor, 1);

    /// <summary>
    /// Xavier/Glorot uniform initialisation (Glorot and Bengio, 2010): U(−a, a) with
    /// a = gain·√(6 / (fan_in + fan_out)).
    /// </summary>
    /// <param name="tensor">A floating-point tensor of rank ≥ 2.</param>
    /// <param name="gain">The scaling factor (see <see cref="CalculateGain"/>).</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    public static Tensor XavierUniform(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        double bound = gain * Math.Sqrt(6.0 / (fanIn + fanOut));
        return Uniform(tensor, -bound, bound, generator);
    }

    /// <summary>Xavier/Glorot normal initialisation: N(0, std²) with std = gain·√(2 / (fan_in + fan_out)).</summary>
    /// <param name="tensor">A floating-point tensor of rank ≥ 2.</param>
    /// <param name="gain">The scaling factor (see <see cref="CalculateGain"/>).</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    public static Tensor XavierNormal(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        return Normal(tensor, 0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)), generator);
    }

    /// <summary>
    /// Kaiming/He uniform initialisation (He et al., 2015): U(−b, b) with b = gain·√(3 / fan), where
    /// gain = <see cref="CalculateGain"/>(<paramref name="nonlinearity"/>, <paramref name="a"/>). PyTorch's default
    /// <c>Linear</c> weight is <c>KaimingUniform(w, a: √5)</c>, which gives b = 1/√fan_in.
    /// </summary>
    /// <param name="tensor">A floating-point tensor of rank ≥ 2.</param>
    /// <param name="a">The negative slope of the leaky ReLU that follows (used with <see cref="Nonlinearity.LeakyRelu"/>).</param>
    /// <param name="mode">Whether fan_in or fan_out is used.</param>
    /// <param name="nonlinearity">The activation that follows.</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    public static Tensor KaimingUniform(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, Generator? generator = null)
    {
        double bound = Math.Sqrt(3.0) * KaimingStd("KaimingUniform", tensor, a, mode, nonlinearity);
        return Uniform(tensor, -bound, bound, generator);
    }

    /// <summary>Kaiming/He normal initialisation: N(0, std²) with std = gain / √fan.</summary>
    /// <param name="tensor">A floating-point tensor of rank ≥ 2.</param>
    /// <param name="a">The negative slope of the leaky ReLU that follows (used with <see cref="Nonlinearity.LeakyRelu"/>).</param>
    /// <param name="mode">Whether fan_in or fan_out is used.</param>
    /// <param name="nonlinearity">The activation that follows.</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    public static Tensor KaimingNormal(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, Generator? generator = null) =>
        Normal(tensor, 0, KaimingStd("KaimingNormal", tensor, a, mode, nonlinearity), generator);

    private static double KaimingStd(string op, Tensor tensor, double a, FanMode mode, Nonlinearity nonlinearity)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        int fan = mode == FanMode.FanIn ? fanIn : fanOut;
        if (fan == 0) throw new ArgumentException($"Init.{op}: cannot initialise a tensor with zero {mode} ({ShapeUtil.Describe(tensor)}).", nameof(tensor));
        return CalculateGain(nonlinearity, a) / Math.Sqrt(fan);
    }

    /// <summary>
    /// A (semi-)orthogonal matrix (Saxe et al., 2013): the tensor viewed as (rows = size(0), cols = the rest) is set
    /// to Q·gain, where Q comes from the QR factorisation (Householder, in double precision) of a standard normal
    /// matrix, with signs fixed so that R has a positive diagonal. Rows are orthonormal when rows ≤ cols, columns
    /// otherwise.
    /// </summary>
    /// <param name="tensor">A floating-point tensor of rank ≥ 2.</param>
    /// <param name="gain">The scaling factor.</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    public static Tensor Orthogonal(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        RequireFloat("Orthogonal", tensor);
        if (tensor.Rank < 2)
            throw new ArgumentException($"Init.Orthogonal: only tensors with 2 or more dimensions are supported, got {ShapeUtil.Describe(tensor)}.", nameof(tensor));
        if (tensor.Numel == 0) return tensor;
        var g = generator ?? Generator.Default;
        int rows = tensor.Shape[0], cols = tensor.Numel / rows;
        // Factorise the tall orientation so that Q has orthonormal columns, then transpose back if needed.
        int m = Math.Max(rows, cols), n = Math.Min(rows, cols);
        var a = new double[m, n];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                if (rows >= cols) a[i, j] = g.NextGaussian();
                else a[j, i] = g.NextGaussian();
            }
        }
        var q = HouseholderQ(a);
        var values = new double[rows * cols];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
                values[i * cols + j] = gain * (rows >= cols ? q[i, j] : q[j, i]);
        }
        using (Autograd.NoGrad()) tensor.CopyFrom(Tensor.FromArray(values).Reshape([.. tensor.Shape]));
        return tensor;
    }

    /// <summary>The thin Q (m×n, m ≥ n) of A = QR, with the signs of Q's columns chosen so that diag(R) &gt; 0.</summary>
    private static double[,] HouseholderQ(double[,] a)
    {
        int m = a.GetLength(0), n = a.GetLength(1);
        var reflectors = new double[n][];
        var diagSign = new double[n];
        for (int k = 0; k < n; k++)
        {
            double norm = 0;
            for (int i = k; i < m; i++) norm += a[i, k] * a[i, k];
            norm = Math.Sqrt(norm);
            // The reflector maps column k to alpha·e_k; choosing alpha against the sign of a[k,k] avoids cancellation.
            double alpha = a[k, k] > 0 ? -norm : norm;
            var v = new double[m - k];
            for (int i = k; i < m; i++) v[i - k] = a[i, k];
            v[0] -= alpha;
            double vNorm = 0;
            foreach (double x in v) vNorm += x * x;
            vNorm = Math.Sqrt(vNorm);
            if (vNorm > 0)
            {
                for (int i = 0; i < v.Length; i++) v[i] /= vNorm;
                ApplyReflector(a, v, k, k, n);
            }
            reflectors[k] = v;
            diagSign[k] = alpha < 0 ? -1 : 1;
        }
        var q = new double[m, n];
        for (int j = 0; j < n; j++) q[j, j] = 1;
        for (int k = n - 1; k >= 0; k--) ApplyReflector(q, reflectors[k], k, k, n);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
                q[i, j] *= diagSign[j];
        }
        return q;
    }

    /// <summary>Rows start.. and columns from..to of <paramref name="a"/> ← (I − 2vvᵀ)·(that block).</summary>
    private static void ApplyReflector(double[,] a, double[] v, int start, int from, int to)
    {
        for (int j = from; j < to; j++)
        {
            double dot = 0;
            for (int i = 0; i < v.Length; i++) dot += v[i] * a[start + i, j];
            dot *= 2;
            for (int i = 0; i < v.Length; i++) a[start + i, j] -= dot * v[i];
        }
    }

    /// <summary>
    /// The recommended gain for an activation, as <c>torch.nn.init.calculate_gain</c>: 1 for linear, conv and
    /// sigmoid, 5/3 for tanh, √2 for ReLU, √(2 / (1 + a²)) for leaky ReLU with slope a
    /// (<paramref name="param"/>, default 0.01), 3/4 for SELU.
    /// </summary>
    /// <param name="nonlinearity">The activation.</param>
    /// <param name="param">The leaky ReLU's negative slope; ignored otherwise.</param>
    public static double CalculateGain(Nonlinearity nonlinearity, double? param = null) => nonlinearity switch
    {
        Nonlinearity.Linear or Nonlinearity.Conv or Nonlinearity.Sigmoid => 1,
        Nonlinearity.Tanh => 5.0 / 3,
        Nonlinearity.Relu => Math.Sqrt(2.0),
        Nonlinearity.LeakyRelu => Math.Sqrt(2.0 / (1 + Math.Pow(param ?? 0.01, 2))),
        Nonlinearity.Selu => 3.0 / 4,
        _ => throw new ArgumentOutOfRangeException(nameof(nonlinearity), nonlinearity, $"Init.CalculateGain: unknown nonlinearity {nonlinearity}."),
    };

    /// <summary>
    /// fan_in and fan_out of a weight of shape (out, in, k₁, …): in·∏k and out·∏k.
    /// </summary>
    /// <param name="tensor">A tensor of rank ≥ 2.</param>
    public static (int FanIn, int FanOut) CalculateFanInAndFanOut(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Rank < 2)
            throw new ArgumentException($"Init: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions, got {ShapeUtil.Describe(tensor)}.", nameof(tensor));
        int receptive = 1;
        for (int i = 2; i < tensor.Rank; i++) receptive *= tensor.Shape[i];
        return (tensor.Shape[1] * receptive, tensor.Shape[0] * receptive);
    }

    private static Tensor Overwrite(Tensor tensor, Func<double> sample)
    {
        var values = new double[tensor.Numel];
        for (int i = 0; i < values.Length; i++) values[i] = sample();
        using (Autograd.NoGrad()) tensor.CopyFrom(Tensor.FromArray(values).Reshape([.. tensor.Shape]));
        return tensor;
    }

    private static void RequireFloat(string op, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!tensor.DType.IsFloatingPoint())
            throw new ArgumentException($"Init.{op}: expected a floating-point tensor, got {ShapeUtil.Describe(tensor)}.", nameof(tensor));
    }
}
