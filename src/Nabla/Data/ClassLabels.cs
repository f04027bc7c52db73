namespace Nabla.Data;

/// <summary>Validation and counting of class-label tensors shared by the imbalance helpers and splits.</summary>
internal static class ClassLabels
{
    /// <summary>
    /// The labels of a 1-D int64 tensor as ints, checked to lie in [0, numClasses); when
    /// <paramref name="numClasses"/> is null it becomes the largest label + 1.
    /// </summary>
    public static int[] Read(string op, Tensor labels, ref int? numClasses)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.DType != DType.Int64 || labels.Rank != 1)
            throw new ArgumentException($"{op}: the labels must be a 1-D int64 tensor of class indices, got {ShapeUtil.Describe(labels)}.", nameof(labels));
        if (numClasses is <= 0)
            throw new ArgumentOutOfRangeException(nameof(numClasses), $"{op}: numClasses must be positive, got {numClasses}.");
        var values = labels.ToArray<long>();
        long limit = numClasses ?? int.MaxValue;
        var result = new int[values.Length];
        int max = -1;
        for (int i = 0; i < values.Length; i++)
        {
            long v = values[i];
            if (v < 0 || v >= limit)
            {
                throw new ArgumentException(
                    numClasses is null
                        ? $"{op}: label {v} at position {i} is not a class index (expected a non-negative int)."
                        : $"{op}: label {v} at position {i} is outside [0, {numClasses}).", nameof(labels));
            }
            result[i] = (int)v;
            max = Math.Max(max, result[i]);
        }
        numClasses ??= max + 1;
        return result;
    }

    /// <summary>The number of examples of each class.</summary>
    public static int[] Count(int[] labels, int numClasses)
    {
        var counts = new int[numClasses];
        foreach (int label in labels) counts[label]++;
        return counts;
    }
}
