namespace Nabla.Data;

/// <summary>
/// Random over- and under-sampling of imbalanced classification data, like imbalanced-learn's
/// <c>RandomOverSampler</c> and <c>RandomUnderSampler</c>: the result has the same number of examples of every class present.
/// </summary>
public static class Resampling
{
    /// <summary>
    /// Duplicates randomly chosen examples (with replacement) of every smaller class until each class has as many
    /// examples as the largest. The result holds all original examples in order, followed by the duplicates, class by class.
    /// </summary>
    /// <param name="x">The inputs, shape (N, …).</param>
    /// <param name="y">The class labels, a 1-D int64 tensor of length N.</param>
    /// <param name="seed">The seed of the random choice.</param>
    public static (Tensor X, Tensor Y) Oversample(Tensor x, Tensor y, ulong seed = 0)
    {
        var (data, members) = Group("Resampling.Oversample", x, y);
        int target = members.Max(m => m.Count);
        var generator = new Generator(seed);
        var indices = new List<int>(Enumerable.Range(0, data.Count));
        foreach (var m in members)
        {
            if (m.Count > 0)
                for (int k = m.Count; k < target; k++) indices.Add(m[(int)generator.NextInt64(0, m.Count)]);
        }
        return data.GetBatch(indices.ToArray());
    }

    /// <summary>
    /// Keeps a random subset (without replacement) of every larger class so that each class has as many examples
    /// as the smallest class present. The kept examples stay in their original order.
    /// </summary>
    /// <param name="x">The inputs, shape (N, …).</param>
    /// <param name="y">The class labels, a 1-D int64 tensor of length N.</param>
    /// <param name="seed">The seed of the random choice.</param>
    public static (Tensor X, Tensor Y) Undersample(Tensor x, Tensor y, ulong seed = 0)
    {
        var (data, members) = Group("Resampling.Undersample", x, y);
        int target = members.Where(m => m.Count > 0).Min(m => m.Count);
        var generator = new Generator(seed);
        var indices = new List<int>();
        foreach (var m in members)
        {
            if (m.Count == 0) continue;
            var chosen = m.ToArray();
            generator.Shuffle<int>(chosen);
            indices.AddRange(chosen[..target]);
        }
        indices.Sort();
        return data.GetBatch(indices.ToArray());
    }

    private static (TensorDataset Data, List<int>[] Members) Group(string op, Tensor x, Tensor y)
    {
        var data = new TensorDataset(x, y);
        int? numClasses = null;
        var labels = ClassLabels.Read(op, y, ref numClasses);
        if (labels.Length == 0) throw new ArgumentException($"{op}: there are no examples to resample.", nameof(y));
        var members = new List<int>[numClasses!.Value];
        for (int c = 0; c < members.Length; c++) members[c] = [];
        for (int i = 0; i < labels.Length; i++) members[labels[i]].Add(i);
        return (data, members);
    }
}
