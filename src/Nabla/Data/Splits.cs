using System.Globalization;

namespace Nabla.Data;

/// <summary>Random partitions of a dataset into training, validation and test parts.</summary>
public static class Splits
{
    /// <summary>
    /// Splits <paramref name="dataset"/> into non-overlapping random subsets of the given lengths, like
    /// <c>torch.utils.data.random_split</c>: one random permutation, cut into consecutive pieces.
    /// </summary>
    /// <param name="dataset">The dataset to split.</param>
    /// <param name="lengths">The length of each part; they must add up to <c>dataset.Count</c>.</param>
    /// <param name="generator">The source of the permutation; by default <see cref="Generator.Default"/>.</param>
    public static Subset[] RandomSplit(IDataset dataset, int[] lengths, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(lengths);
        long sum = 0;
        foreach (int length in lengths)
        {
            if (length < 0) throw new ArgumentException($"Splits.RandomSplit: lengths must be non-negative, got [{string.Join(", ", lengths)}].", nameof(lengths));
            sum += length;
        }
        if (sum != dataset.Count)
            throw new ArgumentException($"Splits.RandomSplit: the lengths [{string.Join(", ", lengths)}] add up to {sum}, but the dataset has {dataset.Count} examples.", nameof(lengths));
        var order = (generator ?? Generator.Default).Permutation(dataset.Count);
        var parts = new Subset[lengths.Length];
        for (int i = 0, start = 0; i < lengths.Length; start += lengths[i], i++)
            parts[i] = new Subset(dataset, order.AsSpan(start, lengths[i]).ToArray());
        return parts;
    }

    /// <summary>
    /// Splits <paramref name="dataset"/> into random subsets holding the given fractions of it, as
    /// <c>torch.utils.data.random_split</c> does with fractions: each part gets ⌊n·fraction⌋ examples and
    /// the remaining few go one each to the parts in order.
    /// </summary>
    /// <param name="dataset">The dataset to split.</param>
    /// <param name="fractions">The share of each part, in [0, 1], adding up to 1.</param>
    /// <param name="generator">The source of the permutation; by default <see cref="Generator.Default"/>.</param>
    public static Subset[] RandomSplit(IDataset dataset, double[] fractions, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(fractions);
        if (fractions.Length == 0) throw new ArgumentException("Splits.RandomSplit: expected at least one fraction.", nameof(fractions));
        string shown = string.Join(", ", fractions.Select(f => f.ToString(CultureInfo.InvariantCulture)));
        if (fractions.Any(f => !(f >= 0 && f <= 1)) || Math.Abs(fractions.Sum() - 1) > 1e-9)
            throw new ArgumentException($"Splits.RandomSplit: fractions must lie in [0, 1] and add up to 1, got [{shown}].", nameof(fractions));
        int n = dataset.Count;
        var lengths = fractions.Select(f => (int)Math.Floor(n * f)).ToArray();
        int remainder = n - lengths.Sum();
        for (int i = 0; i < remainder; i++) lengths[i % lengths.Length]++;
        return RandomSplit(dataset, lengths, generator);
    }

    /// <summary>
    /// Splits paired inputs and targets into a random training part and test part, like scikit-learn's
    /// <c>train_test_split</c>: the test part has ⌈testFraction·N⌉ examples. With <paramref name="stratify"/>,
    /// <paramref name="y"/> holds class labels and each class is divided in the same proportion, so both parts keep
    /// the class frequencies of the whole (to within one example per class).
    /// </summary>
    /// <param name="x">The inputs, shape (N, …).</param>
    /// <param name="y">The targets, shape (N, …); with <paramref name="stratify"/>, a 1-D int64 tensor of class labels.</param>
    /// <param name="testFraction">The share of examples in the test part, in (0, 1).</param>
    /// <param name="stratify">Keep the class proportions of <paramref name="y"/> in both parts.</param>
    /// <param name="seed">The seed of the random split.</param>
    /// <returns>The parts in scikit-learn's order: training inputs, test inputs, training targets, test targets.</returns>
    public static (Tensor XTrain, Tensor XTest, Tensor YTrain, Tensor YTest) TrainTestSplit(
        Tensor x, Tensor y, double testFraction = 0.25, bool stratify = false, ulong seed = 0)
    {
        var data = new TensorDataset(x, y);
        if (!(testFraction > 0 && testFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), $"Splits.TrainTestSplit: testFraction must be in (0, 1), got {testFraction.ToString(CultureInfo.InvariantCulture)}.");
        int n = data.Count;
        int nTest = (int)Math.Ceiling(testFraction * n);
        int nTrain = n - nTest;
        if (nTest == 0 || nTrain == 0)
        {
            throw new ArgumentException(
                $"Splits.TrainTestSplit: testFraction {testFraction.ToString(CultureInfo.InvariantCulture)} of {n} examples leaves {nTrain} for training and {nTest} for testing; both must be non-empty.", nameof(testFraction));
        }
        var generator = new Generator(seed);
        int[] train, test;
        if (stratify)
        {
            (train, test) = Stratified(y, nTest, generator);
        }
        else
        {
            var order = generator.Permutation(n);
            test = order[..nTest];
            train = order[nTest..];
        }
        var (xTrain, yTrain) = data.GetBatch(train);
        var (xTest, yTest) = data.GetBatch(test);
        return (xTrain, xTest, yTrain, yTest);
    }

    private static (int[] Train, int[] Test) Stratified(Tensor y, int nTest, Generator generator)
    {
        int? numClasses = null;
        var labels = ClassLabels.Read("Splits.TrainTestSplit", y, ref numClasses);
        int classes = numClasses!.Value, n = labels.Length;
        var counts = ClassLabels.Count(labels, classes);
        for (int c = 0; c < classes; c++)
        {
            if (counts[c] == 1)
                throw new ArgumentException($"Splits.TrainTestSplit: class {c} has only 1 example; stratification needs at least 2 per class.", nameof(y));
        }
        // Largest-remainder apportionment: each class gets ⌊count·nTest/n⌋ test examples, and the few left go to
        // the classes with the largest fractional parts (then the larger classes, then the lower labels).
        var quota = new int[classes];
        var order = new List<(double Fraction, int Count, int Class)>();
        int assigned = 0;
        for (int c = 0; c < classes; c++)
        {
            double exact = (double)counts[c] * nTest / n;
            quota[c] = (int)Math.Floor(exact);
            assigned += quota[c];
            order.Add((exact - quota[c], counts[c], c));
        }
        order.Sort((a, b) => a.Fraction != b.Fraction ? b.Fraction.CompareTo(a.Fraction) : a.Count != b.Count ? b.Count.CompareTo(a.Count) : a.Class.CompareTo(b.Class));
        for (int i = 0; assigned < nTest; i = (i + 1) % order.Count)
        {
            int c = order[i].Class;
            if (quota[c] < counts[c]) { quota[c]++; assigned++; }
        }
        var members = new List<int>[classes];
        for (int c = 0; c < classes; c++) members[c] = new List<int>(counts[c]);
        for (int i = 0; i < n; i++) members[labels[i]].Add(i);
        var train = new List<int>(n - nTest);
        var test = new List<int>(nTest);
        for (int c = 0; c < classes; c++)
        {
            var m = members[c].ToArray();
            generator.Shuffle<int>(m);
            test.AddRange(m[..quota[c]]);
            train.AddRange(m[quota[c]..]);
        }
        var trainArray = train.ToArray();
        var testArray = test.ToArray();
        generator.Shuffle<int>(trainArray);
        generator.Shuffle<int>(testArray);
        return (trainArray, testArray);
    }
}
