using System.Globalization;

namespace Nabla;

public sealed partial class Tensor
{
    /// <summary>
    /// Draws <paramref name="numSamples"/> category indices from the distribution each row of weights defines, like
    /// <c>torch.multinomial</c>: this tensor is (C) or (R, C) of non-negative, finite weights (probabilities up to a
    /// factor; softmax outputs for sampling text) with a positive sum per row, and the result is int64 (numSamples) or
    /// (R, numSamples). Without replacement the samples of a row are distinct and come in the order sequential
    /// draws would give (each one from the remaining categories, renormalised); the row then needs at least
    /// <paramref name="numSamples"/> categories of non-zero weight. Never recorded in the graph.
    /// </summary>
    /// <param name="numSamples">The number of samples per row, &gt; 0.</param>
    /// <param name="replacement">Draw with replacement (a category may repeat) or without.</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    public Tensor Multinomial(int numSamples, bool replacement = false, Generator? generator = null)
    {
        const string Op = "Multinomial";
        RequireFloat(Op);
        if (Rank is not (1 or 2))
            throw new ArgumentException($"{Op}: expected a 1-D or 2-D tensor of weights, got {ShapeUtil.Describe(this)}.");
        int rows = Rank == 1 ? 1 : ShapeArray[0];
        int categories = ShapeArray[^1];
        if (categories == 0) throw new ArgumentException($"{Op}: there are no categories to sample from, got {ShapeUtil.Describe(this)}.");
        if (numSamples <= 0) throw new ArgumentOutOfRangeException(nameof(numSamples), numSamples, $"{Op}: numSamples must be positive, got {numSamples}.");
        if (!replacement && numSamples > categories)
        {
            throw new ArgumentOutOfRangeException(nameof(numSamples), numSamples,
                $"{Op}: cannot draw {numSamples} samples without replacement from {categories} categories ({ShapeUtil.Describe(this)}).");
        }

        var weights = ToDoubleArray();
        var g = generator ?? Generator.Default;
        CheckpointFunction.Capture.NoteGenerator(g);
        var result = new long[rows * numSamples];
        var cumulative = new double[categories];
        var keys = new double[categories];
        var order = new int[categories];
        for (int r = 0; r < rows; r++)
        {
            var row = weights.AsSpan(r * categories, categories);
            double total = 0;
            int positive = 0;
            for (int c = 0; c < categories; c++)
            {
                double w = row[c];
                if (!double.IsFinite(w) || w < 0)
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{Op}: weights must be finite and non-negative, got {w} at {Position(r, c)} of {ShapeUtil.Describe(this)}."));
                total += w;
                if (w > 0) positive++;
                cumulative[c] = total;
            }
            if (!(total > 0) || !double.IsFinite(total))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"{Op}: the weights of {(Rank == 1 ? "the tensor" : $"row {r}")} sum to {total}; they must have a positive, finite sum ({ShapeUtil.Describe(this)})."));
            }
            if (!replacement && positive < numSamples)
            {
                throw new ArgumentException(
                    $"{Op}: {(Rank == 1 ? "the tensor" : $"row {r}")} has {positive} categories of non-zero weight, too few for {numSamples} samples without replacement.");
            }

            var output = result.AsSpan(r * numSamples, numSamples);
            if (replacement)
            {
                for (int s = 0; s < numSamples; s++) output[s] = Pick(cumulative, g.NextDouble() * total);
            }
            else
            {
                // Exponential races: category c finishes at E_c / w_c with E_c ~ Exp(1); the finishing order is
                // distributed as drawing one category at a time without replacement (PyTorch samples the same way).
                for (int c = 0; c < categories; c++)
                {
                    keys[c] = row[c] > 0 ? -Math.Log(1 - g.NextDouble()) / row[c] : double.PositiveInfinity;
                    order[c] = c;
                }
                Array.Sort(keys, order);
                for (int s = 0; s < numSamples; s++) output[s] = order[s];
            }
        }
        return Rank == 1 ? FromArray(result, numSamples) : FromArray(result, rows, numSamples);

        string Position(int r, int c) => Rank == 1 ? $"index {c}" : $"[{r}, {c}]";
    }

    /// <summary>The first category whose cumulative weight exceeds <paramref name="u"/>, skipping categories of zero weight.</summary>
    private static long Pick(double[] cumulative, double u)
    {
        int lo = 0, hi = cumulative.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > u) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }
}
