namespace Nabla;

public sealed partial class Tensor
{
    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(params int[] shape) => Zeros(shape, DType.Float32);

    /// <summary>A tensor of zeros of the given dtype.</summary>
    public static Tensor Zeros(int[] shape, DType dtype, bool requiresGrad = false)
    {
        ShapeUtil.ValidateShape("Zeros", shape);
        return ZerosInternal((int[])shape.Clone(), dtype).WithGrad(requiresGrad);
    }

    /// <summary>A tensor of ones.</summary>
    public static Tensor Ones(params int[] shape) => Full(shape, 1.0);

    /// <summary>A tensor of ones of the given dtype.</summary>
    public static Tensor Ones(int[] shape, DType dtype, bool requiresGrad = false) => Full(shape, 1.0, dtype, requiresGrad);

    /// <summary>A tensor filled with <paramref name="value"/>.</summary>
    public static Tensor Full(int[] shape, double value, DType dtype = DType.Float32, bool requiresGrad = false)
    {
        ShapeUtil.ValidateShape("Full", shape);
        var t = Empty((int[])shape.Clone(), dtype);
        t.FillRaw(value);
        return t.WithGrad(requiresGrad);
    }

    /// <summary>A zero-dimensional tensor holding one value.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32, bool requiresGrad = false) => Full([], value, dtype, requiresGrad);

    /// <summary>Values start, start+step, … below end (like <c>torch.arange</c>).</summary>
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Float32)
    {
        if (step == 0) throw new ArgumentException("Arange: step must be non-zero.");
        if ((end - start) / step < 0) throw new ArgumentException($"Arange: the range [{start}, {end}) with step {step} is inconsistent.");
        int n = (int)Math.Ceiling((end - start) / step);
        var t = Empty([n], dtype);
        for (int i = 0; i < n; i++) t.SetFromDouble(i, start + i * step);
        return t;
    }

    /// <summary>Values 0, 1, …, end-1 (like <c>torch.arange(end)</c>).</summary>
    public static Tensor Arange(int end, DType dtype = DType.Int64) => Arange(0, end, 1, dtype);

    /// <summary><paramref name="steps"/> evenly spaced values from start to end inclusive.</summary>
    public static Tensor Linspace(double start, double end, int steps, DType dtype = DType.Float32)
    {
        if (steps < 0) throw new ArgumentException($"Linspace: steps must be non-negative, got {steps}.");
        var t = Empty([steps], dtype);
        if (steps == 1)
        {
            t.SetFromDouble(0, start);
            return t;
        }
        double step = (end - start) / (steps - 1);
        // Fill from both ends, as PyTorch does, so the last value is exactly end.
        for (int i = 0; i < steps; i++) t.SetFromDouble(i, i < steps / 2 ? start + i * step : end - (steps - 1 - i) * step);
        return t;
    }

    /// <summary>The n×m identity matrix (m defaults to n).</summary>
    public static Tensor Eye(int n, int? m = null, DType dtype = DType.Float32)
    {
        int cols = m ?? n;
        var t = Zeros([n, cols], dtype);
        for (int i = 0; i < Math.Min(n, cols); i++) t.SetFromDouble(i * cols + i, 1);
        return t;
    }

    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor Rand(int[] shape, DType dtype = DType.Float32, Generator? generator = null, bool requiresGrad = false)
    {
        RequireFloatDType("Rand", dtype);
        ShapeUtil.ValidateShape("Rand", shape);
        var g = generator ?? Generator.Default;
        CheckpointFunction.Capture.NoteGenerator(g);
        var t = Empty((int[])shape.Clone(), dtype);
        if (t.Storage is Storage<float> f) for (int i = 0; i < f.Data.Length; i++) f.Data[i] = g.NextSingle();
        else if (t.Storage is Storage<double> d) for (int i = 0; i < d.Data.Length; i++) d.Data[i] = g.NextDouble();
        return t.WithGrad(requiresGrad);
    }

    /// <summary>Uniform samples in [0, 1) of shape <paramref name="shape"/>.</summary>
    public static Tensor Rand(params int[] shape) => Rand(shape, DType.Float32);

    /// <summary>Standard normal samples.</summary>
    public static Tensor Randn(int[] shape, DType dtype = DType.Float32, Generator? generator = null, bool requiresGrad = false)
    {
        RequireFloatDType("Randn", dtype);
        ShapeUtil.ValidateShape("Randn", shape);
        var g = generator ?? Generator.Default;
        CheckpointFunction.Capture.NoteGenerator(g);
        var t = Empty((int[])shape.Clone(), dtype);
        if (t.Storage is Storage<float> f) for (int i = 0; i < f.Data.Length; i++) f.Data[i] = (float)g.NextGaussian();
        else if (t.Storage is Storage<double> d) for (int i = 0; i < d.Data.Length; i++) d.Data[i] = g.NextGaussian();
        return t.WithGrad(requiresGrad);
    }

    /// <summary>Standard normal samples of shape <paramref name="shape"/>.</summary>
    public static Tensor Randn(params int[] shape) => Randn(shape, DType.Float32);

    /// <summary>Uniform integers in [low, high) as int64.</summary>
    public static Tensor RandInt(long low, long high, int[] shape, Generator? generator = null)
    {
        ShapeUtil.ValidateShape("RandInt", shape);
        if (high <= low) throw new ArgumentException($"RandInt: high ({high}) must exceed low ({low}).");
        var g = generator ?? Generator.Default;
        CheckpointFunction.Capture.NoteGenerator(g);
        var t = Empty((int[])shape.Clone(), DType.Int64);
        var data = ((Storage<long>)t.Storage).Data;
        for (int i = 0; i < data.Length; i++) data[i] = g.NextInt64(low, high);
        return t;
    }

    /// <summary>A float32 tensor over a copy of <paramref name="data"/>; the shape defaults to 1-D.</summary>
    public static Tensor FromArray(float[] data, params int[] shape) => FromFlat(data, shape, "FromArray");

    /// <summary>A float64 tensor over a copy of <paramref name="data"/>; the shape defaults to 1-D.</summary>
    public static Tensor FromArray(double[] data, params int[] shape) => FromFlat(data, shape, "FromArray");

    /// <summary>An int64 tensor over a copy of <paramref name="data"/>; the shape defaults to 1-D.</summary>
    public static Tensor FromArray(long[] data, params int[] shape) => FromFlat(data, shape, "FromArray");

    /// <summary>An int64 tensor from int values (labels, indices), as <c>torch.tensor</c> makes int64 from integers; <c>.To(DType.Int32)</c> gives int32.</summary>
    public static Tensor FromArray(int[] data, params int[] shape) => FromFlat(Array.ConvertAll(data, v => (long)v), shape, "FromArray");

    /// <summary>A bool tensor over a copy of <paramref name="data"/>; the shape defaults to 1-D.</summary>
    public static Tensor FromArray(bool[] data, params int[] shape) => FromFlat(data, shape, "FromArray");

    /// <summary>A uint8 tensor over a copy of <paramref name="data"/>; the shape defaults to 1-D.</summary>
    public static Tensor FromArray(byte[] data, params int[] shape) => FromFlat(data, shape, "FromArray");

    /// <summary>A float16 tensor over a copy of <paramref name="data"/>; the shape defaults to 1-D.</summary>
    public static Tensor FromArray(Half[] data, params int[] shape) => FromFlat(data, shape, "FromArray");

    /// <summary>A bfloat16 tensor over a copy of <paramref name="data"/>; the shape defaults to 1-D.</summary>
    public static Tensor FromArray(BFloat16[] data, params int[] shape) => FromFlat(data, shape, "FromArray");

    /// <summary>A tensor of <paramref name="dtype"/> over a copy of <paramref name="data"/>, whose element type must be the dtype's.</summary>
    public static Tensor FromArray<T>(T[] data, DType dtype, params int[] shape) where T : unmanaged
    {
        if (DTypeExtensions.Of<T>() != dtype)
            throw new ArgumentException($"FromArray: {typeof(T).Name} elements cannot make a {dtype.Name()} tensor; give {dtype.Name()} elements or convert with .To({dtype}).");
        return FromFlat(data, shape, "FromArray");
    }

    /// <summary>A tensor from a multi-dimensional array (<c>float[,]</c>, <c>double[,,]</c>, <c>long[,]</c>, …) keeping its shape.</summary>
    public static Tensor FromArray(Array data)
    {
        var shape = new int[data.Rank];
        for (int i = 0; i < data.Rank; i++) shape[i] = data.GetLength(i);
        return data switch
        {
            float[] f => FromArray(f),
            double[] d => FromArray(d),
            long[] l => FromArray(l),
            int[] n => FromArray(n),
            bool[] b => FromArray(b),
            byte[] u => FromArray(u),
            Half[] h => FromArray(h),
            BFloat16[] h => FromArray(h),
            _ => data.GetType().GetElementType() switch
            {
                var e when e == typeof(float) => FromFlat(data.Cast<float>().ToArray(), shape, "FromArray"),
                var e when e == typeof(double) => FromFlat(data.Cast<double>().ToArray(), shape, "FromArray"),
                var e when e == typeof(long) => FromFlat(data.Cast<long>().ToArray(), shape, "FromArray"),
                var e when e == typeof(int) => FromFlat(data.Cast<int>().Select(v => (long)v).ToArray(), shape, "FromArray"),
                var e when e == typeof(bool) => FromFlat(data.Cast<bool>().ToArray(), shape, "FromArray"),
                var e when e == typeof(byte) => FromFlat(data.Cast<byte>().ToArray(), shape, "FromArray"),
                var e when e == typeof(Half) => FromFlat(data.Cast<Half>().ToArray(), shape, "FromArray"),
                var e when e == typeof(BFloat16) => FromFlat(data.Cast<BFloat16>().ToArray(), shape, "FromArray"),
                var e => throw new ArgumentException($"FromArray: element type {e?.Name} is not supported; use float, double, long, int, bool, byte, Half or BFloat16."),
            },
        };
    }

    private static Tensor FromFlat<T>(T[] data, int[] shape, string op) where T : unmanaged
    {
        var s = shape.Length == 0 ? [data.Length] : (int[])shape.Clone();
        int inferred = Array.IndexOf(s, -1);
        if (inferred >= 0)
        {
            int known = 1;
            for (int i = 0; i < s.Length; i++) if (i != inferred) known *= s[i];
            if (known == 0 || data.Length % known != 0)
                throw new ArgumentException($"{op}: cannot infer dimension {inferred} of shape {ShapeUtil.Format(shape)} from {data.Length} elements.");
            s[inferred] = data.Length / known;
        }
        ShapeUtil.ValidateShape(op, s);
        if (ShapeUtil.Numel(s) != data.Length)
            throw new ArgumentException($"{op}: {data.Length} elements do not fill shape {ShapeUtil.Format(s)} ({ShapeUtil.Numel(s)} elements).");
        return new Tensor(new Storage<T>((T[])data.Clone()), s);
    }

    private static void RequireFloatDType(string op, DType dtype)
    {
        if (dtype is not (DType.Float32 or DType.Float64)) throw new ArgumentException($"{op}: dtype must be float32 or float64, got {dtype.Name()}.");
    }

    private Tensor WithGrad(bool requiresGrad)
    {
        if (requiresGrad) RequiresGrad = true;
        return this;
    }

    internal void FillRaw(double value)
    {
        switch (Storage)
        {
            case Storage<float> f: Array.Fill(f.Data, (float)value); break;
            case Storage<double> d: Array.Fill(d.Data, value); break;
            default:
                if (Numel == 0) break;
                SetFromDouble(Offset, value);
                switch (DType.ElementSize())
                {
                    case 1: RawSpan<byte>().Fill(RawSpan<byte>()[0]); break;
                    case 2: RawSpan<ushort>().Fill(RawSpan<ushort>()[0]); break;
                    case 4: RawSpan<int>().Fill(RawSpan<int>()[0]); break;
                    default: RawSpan<long>().Fill(RawSpan<long>()[0]); break;
                }
                break;
        }
    }
}
