using System.Globalization;

namespace Nabla.NN;

public static partial class Functional
{
    /// <summary>
    /// Resizes the spatial dims of (N, C, L) or (N, C, H, W), as <c>torch.nn.functional.interpolate</c>, by an output
    /// <paramref name="size"/> or a <paramref name="scaleFactor"/> (one of the two; one value applies to every spatial dim).
    /// With a scale factor the output size is ⌊in·scale⌋ and the source coordinates use 1/scale, unless
    /// <paramref name="recomputeScaleFactor"/>, which uses in/out as a given size does. Modes, with PyTorch's rules:
    /// <list type="bullet">
    /// <item>"nearest": source index min(⌊dst·scale⌋, in − 1), computed in single precision as PyTorch does;</item>
    /// <item>"nearest-exact": min(⌊(dst + ½)·scale⌋, in − 1);</item>
    /// <item>"linear" (3-D) and "bilinear" (4-D): the source coordinate (dst + ½)·scale − ½ clamped at 0, or with
    /// <paramref name="alignCorners"/> dst·(in − 1)/(out − 1), interpolated linearly between its two neighbours.</item>
    /// </list>
    /// Each resized dim is one or two index selections and a weighted sum, so gradients and second derivatives are exact.
    /// </summary>
    /// <param name="input">(N, C, L) or (N, C, H, W).</param>
    /// <param name="size">The output size of each spatial dim, or one size for all; null when <paramref name="scaleFactor"/> is given.</param>
    /// <param name="scaleFactor">The multiplier of each spatial dim, or one for all; null when <paramref name="size"/> is given.</param>
    /// <param name="mode">"nearest", "nearest-exact", "linear" or "bilinear".</param>
    /// <param name="alignCorners">For the linear modes only: align the corner pixels' centres (default false).</param>
    /// <param name="recomputeScaleFactor">With a scale factor: compute the coordinates from the output size instead.</param>
    public static Tensor Interpolate(Tensor input, int[]? size = null, double[]? scaleFactor = null, string mode = "nearest", bool? alignCorners = null,
        bool? recomputeScaleFactor = null)
    {
        const string Op = "Interpolate";
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(mode);
        RequireFloat(Op, input);
        string Describe() => $"input {ShapeUtil.Describe(input)}, mode \"{mode}\"";
        if (mode is not ("nearest" or "nearest-exact" or "linear" or "bilinear"))
            throw new ArgumentException($"{Op}: unknown mode \"{mode}\"; expected \"nearest\", \"nearest-exact\", \"linear\" or \"bilinear\" ({Describe()}).", nameof(mode));
        bool linear = mode is "linear" or "bilinear";
        if (alignCorners is not null && !linear)
            throw new ArgumentException($"{Op}: alignCorners can only be set with the interpolating modes \"linear\" and \"bilinear\" ({Describe()}).", nameof(alignCorners));
        if (input.Rank is not (3 or 4))
            throw new ArgumentException($"{Op}: expected a 3-D (N, C, L) or 4-D (N, C, H, W) input ({Describe()}).", nameof(input));
        if ((mode == "linear" && input.Rank != 3) || (mode == "bilinear" && input.Rank != 4))
            throw new ArgumentException($"{Op}: got a {input.Rank}-D input, but \"{mode}\" mode needs a {(mode == "linear" ? 3 : 4)}-D input ({Describe()}).", nameof(input));
        if ((size is null) == (scaleFactor is null))
            throw new ArgumentException($"{Op}: {(size is null ? "either size or scaleFactor should be given" : "only one of size and scaleFactor should be given")} ({Describe()}).");
        if (size is not null && recomputeScaleFactor is not null)
            throw new ArgumentException($"{Op}: recomputeScaleFactor is not meaningful with an explicit size ({Describe()}).", nameof(recomputeScaleFactor));

        int dims = input.Rank - 2;
        var outSize = new int[dims];
        var scales = new double?[dims];
        int given = size?.Length ?? scaleFactor!.Length;
        if (given != 1 && given != dims)
        {
            throw new ArgumentException($"{Op}: the input has {dims} spatial dim(s), but {(size is null ? "scaleFactor" : "size")} holds {given} value(s) ({Describe()}).",
                size is null ? nameof(scaleFactor) : nameof(size));
        }
        for (int d = 0; d < dims; d++)
        {
            int n = input.Shape[2 + d];
            if (size is not null)
            {
                outSize[d] = size[given == 1 ? 0 : d];
            }
            else
            {
                double s = scaleFactor![given == 1 ? 0 : d];
                if (!(s > 0) || double.IsInfinity(s))
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{Op}: scale factors must be positive and finite, got {s} ({Describe()})."), nameof(scaleFactor));
                double o = Math.Floor(n * s);
                outSize[d] = o > int.MaxValue ? int.MaxValue : (int)o;
                if (recomputeScaleFactor != true) scales[d] = s;
            }
            if (outSize[d] < 1)
                throw new ArgumentException($"{Op}: the output size {ShapeUtil.Format(outSize)} must be positive in every spatial dim ({Describe()}).");
        }

        var result = input;
        for (int d = 0; d < dims; d++)
        {
            int dim = 2 + d, n = input.Shape[dim], o = outSize[d];
            result = linear
                ? ResizeLinear(result, dim, n, o, scales[d], alignCorners ?? false)
                : result.IndexSelect(dim, Tensor.FromArray(NearestIndex(n, o, scales[d], exact: mode == "nearest-exact"), o));
        }
        return result;
    }

    /// <summary>
    /// <see cref="Interpolate(Tensor, int[], double[], string, bool?, bool?)"/> with one output size or one scale factor for every spatial dim.
    /// </summary>
    /// <param name="input">(N, C, L) or (N, C, H, W).</param>
    /// <param name="size">The output size of every spatial dim; null when <paramref name="scaleFactor"/> is given.</param>
    /// <param name="scaleFactor">The multiplier of every spatial dim; null when <paramref name="size"/> is given.</param>
    /// <param name="mode">"nearest", "nearest-exact", "linear" or "bilinear".</param>
    /// <param name="alignCorners">For the linear modes only: align the corner pixels' centres (default false).</param>
    /// <param name="recomputeScaleFactor">With a scale factor: compute the coordinates from the output size instead.</param>
    public static Tensor Interpolate(Tensor input, int? size = null, double? scaleFactor = null, string mode = "nearest", bool? alignCorners = null,
        bool? recomputeScaleFactor = null) =>
        Interpolate(input, size is { } s ? [s] : null, scaleFactor is { } f ? [f] : null, mode, alignCorners, recomputeScaleFactor);

    /// <summary>PyTorch's nearest source indices: the scale and the product in single precision, with its shortcuts for out = in and out = 2·in.</summary>
    private static long[] NearestIndex(int n, int o, double? scale, bool exact)
    {
        var index = new long[o];
        float s = scale is { } f ? (float)(1.0 / f) : (float)n / o;
        for (int i = 0; i < o; i++)
        {
            index[i] = exact ? Math.Min((long)MathF.Floor((i + 0.5f) * s), n - 1)
                : o == n ? i
                : o == 2 * n ? i >> 1
                : Math.Min((long)MathF.Floor(i * s), n - 1);
        }
        return index;
    }

    /// <summary>Linear interpolation of dim <paramref name="dim"/> from <paramref name="n"/> to <paramref name="o"/> positions: two selections and a weighted sum.</summary>
    private static Tensor ResizeLinear(Tensor x, int dim, int n, int o, double? scale, bool alignCorners)
    {
        double s = alignCorners ? (o > 1 ? (n - 1) / (double)(o - 1) : 0) : scale is { } f ? 1.0 / f : n / (double)o;
        var lo = new long[o];
        var hi = new long[o];
        var wLo = new double[o];
        var wHi = new double[o];
        for (int i = 0; i < o; i++)
        {
            double src = alignCorners ? s * i : Math.Max((s * (i + 0.5)) - 0.5, 0);
            long i0 = Math.Min((long)src, n - 1);
            double lambda = Math.Clamp(src - i0, 0, 1);
            lo[i] = i0;
            hi[i] = i0 < n - 1 ? i0 + 1 : i0;
            wLo[i] = 1 - lambda;
            wHi[i] = lambda;
        }
        var weightShape = new int[x.Rank - dim];
        Array.Fill(weightShape, 1);
        weightShape[0] = o;
        var a = x.IndexSelect(dim, Tensor.FromArray(lo, o)) * Tensor.FromArray(wLo).Reshape(weightShape).To(x.DType);
        return a + (x.IndexSelect(dim, Tensor.FromArray(hi, o)) * Tensor.FromArray(wHi).Reshape(weightShape).To(x.DType));
    }

    /// <summary>
    /// Rearranges (*, C·r², H, W) into (*, C, H·r, W·r), as <c>torch.nn.functional.pixel_shuffle</c>: output pixel
    /// (c, h·r + i, w·r + j) is input (c·r² + i·r + j, h, w). A reshape, a permutation and a reshape.
    /// </summary>
    /// <param name="input">At least 3-D, its dim −3 divisible by r².</param>
    /// <param name="upscaleFactor">r, positive.</param>
    public static Tensor PixelShuffle(Tensor input, int upscaleFactor)
    {
        ArgumentNullException.ThrowIfNull(input);
        int r = upscaleFactor;
        if (input.Rank < 3)
            throw new ArgumentException($"PixelShuffle: expected an input with at least 3 dims (*, C·r², H, W), got {ShapeUtil.Describe(input)}.", nameof(input));
        if (r <= 0)
            throw new ArgumentOutOfRangeException(nameof(upscaleFactor), r, $"PixelShuffle: upscaleFactor must be positive, got {r} (input {ShapeUtil.Describe(input)}).");
        int rank = input.Rank, c = input.Shape[^3], h = input.Shape[^2], w = input.Shape[^1];
        if (c % (r * r) != 0)
            throw new ArgumentException($"PixelShuffle: the channel dim (-3) of input {ShapeUtil.Describe(input)} is {c}, not divisible by upscaleFactor² = {r * r}.", nameof(input));
        var batch = input.Shape.ToArray()[..^3];
        int b = batch.Length;
        var split = input.Reshape([.. batch, c / (r * r), r, r, h, w]);
        var order = Enumerable.Range(0, b).Concat([b, b + 3, b + 1, b + 4, b + 2]).ToArray();
        return split.Permute(order).Reshape([.. batch, c / (r * r), h * r, w * r]);
    }

    /// <summary>
    /// The inverse of <see cref="PixelShuffle"/>, as <c>torch.nn.functional.pixel_unshuffle</c>: (*, C, H·r, W·r) into
    /// (*, C·r², H, W).
    /// </summary>
    /// <param name="input">At least 3-D, its last two dims divisible by r.</param>
    /// <param name="downscaleFactor">r, positive.</param>
    public static Tensor PixelUnshuffle(Tensor input, int downscaleFactor)
    {
        ArgumentNullException.ThrowIfNull(input);
        int r = downscaleFactor;
        if (input.Rank < 3)
            throw new ArgumentException($"PixelUnshuffle: expected an input with at least 3 dims (*, C, H·r, W·r), got {ShapeUtil.Describe(input)}.", nameof(input));
        if (r <= 0)
            throw new ArgumentOutOfRangeException(nameof(downscaleFactor), r, $"PixelUnshuffle: downscaleFactor must be positive, got {r} (input {ShapeUtil.Describe(input)}).");
        int c = input.Shape[^3], h = input.Shape[^2], w = input.Shape[^1];
        if (h % r != 0 || w % r != 0)
            throw new ArgumentException($"PixelUnshuffle: the height {h} and width {w} of input {ShapeUtil.Describe(input)} must be divisible by downscaleFactor {r}.", nameof(input));
        var batch = input.Shape.ToArray()[..^3];
        int b = batch.Length;
        var split = input.Reshape([.. batch, c, h / r, r, w / r, r]);
        var order = Enumerable.Range(0, b).Concat([b, b + 2, b + 4, b + 1, b + 3]).ToArray();
        return split.Permute(order).Reshape([.. batch, c * r * r, h / r, w / r]);
    }
}
