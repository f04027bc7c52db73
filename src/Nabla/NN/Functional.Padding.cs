namespace Nabla.NN;

public static partial class Functional
{
    /// <summary>
    /// Pads a tensor, as <c>torch.nn.functional.pad</c>. <paramref name="pad"/> holds (before, after) pairs from the last
    /// dim backwards: (left, right) pads the last dim, (left, right, top, bottom) the last two, and so on. Modes:
    /// <list type="bullet">
    /// <item>"constant": fills with <paramref name="value"/>; any number of dims (up to the rank), and negative pads crop.</item>
    /// <item>"reflect": mirrors the input about its edge elements (which are not repeated); each pad must be smaller than its dim.</item>
    /// <item>"replicate": repeats the edge elements.</item>
    /// <item>"circular": wraps around, taking elements from the other end; each pad is at most its dim.</item>
    /// </list>
    /// The last three pad the last 1, 2 or 3 dims: 2 pad values need a 2-D or 3-D input, 4 a 3-D or 4-D input,
    /// 6 a 4-D or 5-D input ("circular" needs the batch dim: 3-D, 4-D or 5-D). Negative pads crop in every mode.
    /// Each padded dim is one index selection (or, for constants, one concatenation), so gradients are exact and
    /// second derivatives exist.
    /// </summary>
    /// <param name="input">The tensor to pad.</param>
    /// <param name="pad">An even number of pad sizes, last dim first.</param>
    /// <param name="mode">"constant", "reflect", "replicate" or "circular".</param>
    /// <param name="value">The fill value of "constant" mode.</param>
    public static Tensor Pad(Tensor input, int[] pad, string mode = "constant", double value = 0)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(pad);
        string Describe() => $"pad {ShapeUtil.Format(pad)}, mode \"{mode}\", input {ShapeUtil.Describe(input)}";
        if (pad.Length % 2 != 0) throw new ArgumentException($"Pad: the pad must hold (before, after) pairs, an even number of values ({Describe()}).", nameof(pad));
        if (pad.Length / 2 > input.Rank)
            throw new ArgumentException($"Pad: {pad.Length / 2} dims padded but the input has only {input.Rank} ({Describe()}).", nameof(pad));
        if (mode == "constant") return PadConstant(input, pad, value, Describe);
        if (mode is not ("reflect" or "replicate" or "circular"))
            throw new ArgumentException($"Pad: unknown mode \"{mode}\"; expected \"constant\", \"reflect\", \"replicate\" or \"circular\" ({Describe()}).", nameof(mode));

        int padded = pad.Length / 2;
        bool circular = mode == "circular";
        int minRank = circular ? padded + 2 : padded + 1;
        if (padded is < 1 or > 3 || input.Rank < minRank || input.Rank > padded + 2)
        {
            string ranks = circular ? $"a {padded + 2}-D input" : $"a {padded + 1}-D or {padded + 2}-D input";
            throw new ArgumentException(padded is < 1 or > 3
                ? $"Pad: mode \"{mode}\" pads the last 1, 2 or 3 dims (2, 4 or 6 pad values) ({Describe()})."
                : $"Pad: mode \"{mode}\" with {pad.Length} pad values ({padded}-D padding) needs {ranks} ({Describe()}).", nameof(pad));
        }

        var result = input;
        for (int p = 0; p < padded; p++)
        {
            int dim = input.Rank - 1 - p;
            int before = pad[2 * p], after = pad[(2 * p) + 1];
            if (before == 0 && after == 0) continue;
            int n = input.Shape[dim];
            if (n - Math.Max(-before, 0) - Math.Max(-after, 0) <= 0)
                throw new ArgumentException($"Pad: the padding ({before}, {after}) crops away all {n} elements of dim {dim} ({Describe()}).", nameof(pad));
            if (mode == "reflect" && (before >= n || after >= n))
                throw new ArgumentException($"Pad: mode \"reflect\" needs each pad of dim {dim} smaller than its size {n}, got ({before}, {after}) ({Describe()}).", nameof(pad));
            if (circular && (before > n || after > n))
                throw new ArgumentException($"Pad: mode \"circular\" needs each pad of dim {dim} at most its size {n}, got ({before}, {after}) ({Describe()}).", nameof(pad));
            result = result.IndexSelect(dim, PadIndex(mode, n, before, after));
        }
        return result;
    }

    /// <summary>The source index of each output position of a dim of size <paramref name="n"/> padded by (before, after) in <paramref name="mode"/>.</summary>
    private static Tensor PadIndex(string mode, int n, int before, int after)
    {
        var index = new long[n + before + after];
        // Circular padding wraps around what is left after cropping; reflect and replicate read the whole dim.
        int start = Math.Max(-before, 0), kept = n - start - Math.Max(-after, 0), lead = Math.Max(before, 0);
        for (int i = 0; i < index.Length; i++)
        {
            int j = i - before;
            index[i] = mode switch
            {
                "reflect" => j < 0 ? -j : j >= n ? (2 * (n - 1)) - j : j,
                "replicate" => Math.Clamp(j, 0, n - 1),
                _ => start + ((((i - lead) % kept) + kept) % kept),
            };
        }
        return Tensor.FromArray(index, index.Length);
    }

    private static Tensor PadConstant(Tensor input, int[] pad, double value, Func<string> describe)
    {
        var result = input;
        for (int p = 0; p < pad.Length / 2; p++)
        {
            int dim = input.Rank - 1 - p;
            int before = pad[2 * p], after = pad[(2 * p) + 1];
            int n = result.Shape[dim];
            if (n + before + after < 0)
                throw new ArgumentException($"Pad: the padding ({before}, {after}) crops more than the {n} elements of dim {dim} ({describe()}).", nameof(pad));
            int start = Math.Max(-before, 0), end = n - Math.Max(-after, 0);
            if (start > end)
                throw new ArgumentException($"Pad: the padding ({before}, {after}) crops more than the {n} elements of dim {dim} ({describe()}).", nameof(pad));
            result = result.Narrow(dim, start, end - start);
            int b = Math.Max(before, 0), a = Math.Max(after, 0);
            if (b == 0 && a == 0) continue;
            if (value == 0)
            {
                result = result.Pad(dim, b, a);
                continue;
            }
            var parts = new List<Tensor>(3);
            if (b > 0) parts.Add(Fill(result, dim, b, value));
            parts.Add(result);
            if (a > 0) parts.Add(Fill(result, dim, a, value));
            result = Tensor.Cat(parts, dim);
        }
        return result;
    }

    private static Tensor Fill(Tensor like, int dim, int size, double value)
    {
        var shape = like.Shape.ToArray();
        shape[dim] = size;
        return Tensor.Full(shape, value, like.DType);
    }
}
