using System.Globalization;
using System.Text;

namespace Nabla.Training;

/// <summary>Classification metrics computed from predictions and integer targets.</summary>
public static class Metrics
{
    /// <summary>
    /// Predicted class per row: the argmax over the last dim of (N, C) scores, or, for (N) or (N, 1)
    /// binary logits, 1 where the logit is positive. Scores of a sequence model, (N, T, C) (or more leading dims),
    /// predict one class per position: the argmax over the last dim, (N, T).
    /// </summary>
    public static Tensor PredictedClasses(Tensor scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        using var _ = Autograd.NoGrad();
        if (scores.Rank == 1 || (scores.Rank == 2 && scores.Shape[1] == 1))
            return scores.Reshape(-1).Gt(0.0).To(DType.Int64);
        if (scores.Rank < 2)
            throw new ArgumentException($"PredictedClasses: expected (N, C) or (N, T, C) scores or (N)/(N, 1) logits, got {ShapeUtil.Describe(scores)}.");
        return scores.Argmax(-1);
    }

    /// <summary>
    /// The fraction of predictions (see <see cref="PredictedClasses"/>: one per row, or one per position of a
    /// sequence) that equal the targets, which hold one class per prediction in any shape of that many elements.
    /// </summary>
    public static double Accuracy(Tensor scores, Tensor targets)
    {
        var (correct, count) = CountCorrect(scores, targets);
        return count == 0 ? 0 : (double)correct / count;
    }

    /// <summary>How many of the predictions (see <see cref="Accuracy"/>) equal the targets, and how many there are.</summary>
    internal static (long Correct, long Count) CountCorrect(Tensor scores, Tensor targets)
    {
        var predicted = PredictedClasses(scores).ToArray<long>();
        var truth = Labels("Accuracy", targets, predicted.Length);
        long correct = 0;
        for (int i = 0; i < predicted.Length; i++) if (predicted[i] == truth[i]) correct++;
        return (correct, predicted.Length);
    }

    /// <summary>Counts[t, p]: how many rows of true class t were predicted as p.</summary>
    public static long[,] ConfusionMatrix(Tensor predictedClasses, Tensor targets, int numClasses)
    {
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), $"ConfusionMatrix: numClasses must be positive, got {numClasses}.");
        var predicted = Labels("ConfusionMatrix", predictedClasses, -1);
        var truth = Labels("ConfusionMatrix", targets, predicted.Length);
        var counts = new long[numClasses, numClasses];
        for (int i = 0; i < predicted.Length; i++)
        {
            if (truth[i] < 0 || truth[i] >= numClasses || predicted[i] < 0 || predicted[i] >= numClasses)
                throw new ArgumentException($"ConfusionMatrix: class {(truth[i] < 0 || truth[i] >= numClasses ? truth[i] : predicted[i])} at row {i} is outside [0, {numClasses}).");
            counts[truth[i], predicted[i]]++;
        }
        return counts;
    }

    /// <summary>Per-class precision, recall, F1 and support from a confusion matrix (0 where undefined, as scikit-learn reports).</summary>
    public static ClassReport[] PerClass(long[,] confusion)
    {
        int c = confusion.GetLength(0);
        var result = new ClassReport[c];
        for (int k = 0; k < c; k++)
        {
            long tp = confusion[k, k], predicted = 0, actual = 0;
            for (int j = 0; j < c; j++) { predicted += confusion[j, k]; actual += confusion[k, j]; }
            double precision = predicted == 0 ? 0 : (double)tp / predicted;
            double recall = actual == 0 ? 0 : (double)tp / actual;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            result[k] = new ClassReport(k, precision, recall, f1, actual);
        }
        return result;
    }

    /// <summary>A text table of per-class precision, recall, F1 and support plus macro averages.</summary>
    public static string Report(long[,] confusion, IReadOnlyList<string>? classNames = null)
    {
        var rows = PerClass(confusion);
        var sb = new StringBuilder();
        sb.AppendLine(string.Format(CultureInfo.InvariantCulture, "{0,-14} {1,9} {2,9} {3,9} {4,9}", "class", "precision", "recall", "f1", "support"));
        foreach (var r in rows)
        {
            sb.AppendLine(string.Format(CultureInfo.InvariantCulture, "{0,-14} {1,9:F4} {2,9:F4} {3,9:F4} {4,9}",
                classNames is not null && r.Class < classNames.Count ? classNames[r.Class] : r.Class.ToString(CultureInfo.InvariantCulture),
                r.Precision, r.Recall, r.F1, r.Support));
        }
        sb.Append(string.Format(CultureInfo.InvariantCulture, "{0,-14} {1,9:F4} {2,9:F4} {3,9:F4} {4,9}", "macro avg",
            rows.Average(r => r.Precision), rows.Average(r => r.Recall), rows.Average(r => r.F1), rows.Sum(r => r.Support)));
        return sb.ToString();
    }

    private static long[] Labels(string op, Tensor t, int expectedLength)
    {
        long[] values = t.DType == DType.Int64 ? t.Reshape(-1).ToArray<long>() : Array.ConvertAll(t.Detach().Reshape(-1).ToDoubleArray(), v => (long)Math.Round(v));
        if (expectedLength >= 0 && values.Length != expectedLength)
            throw new ArgumentException($"{op}: {expectedLength} predictions but {values.Length} targets ({ShapeUtil.Describe(t)}).");
        return values;
    }
}

/// <summary>Precision, recall and F1 of one class, with its number of true samples.</summary>
public readonly record struct ClassReport(int Class, double Precision, double Recall, double F1, long Support);
