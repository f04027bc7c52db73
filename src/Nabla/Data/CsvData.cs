namespace Nabla.Data;

/// <summary>A table read by <see cref="Csv.Load(string, int, bool?, char, DType?, bool)"/>: the feature matrix, the labels and the column names.</summary>
public sealed class CsvData
{
    internal CsvData(Tensor features, Tensor labels, IReadOnlyList<string> featureNames, string labelName, IReadOnlyList<string>? classNames)
    {
        Features = features;
        Labels = labels;
        FeatureNames = featureNames;
        LabelName = labelName;
        ClassNames = classNames;
    }

    /// <summary>The feature columns as float32 (N, F), in file order.</summary>
    public Tensor Features { get; }

    /// <summary>The label column as a 1-D (N) tensor: int64 class indices or float values.</summary>
    public Tensor Labels { get; }

    /// <summary>The names of the feature columns (from the header, or "column0", "column1", … without one).</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>The name of the label column.</summary>
    public string LabelName { get; }

    /// <summary>For a label column of names (such as "setosa"), the names in label order (sorted ordinally); null for numeric labels.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>Deconstructs into features and labels: <c>var (x, y) = Csv.Load(path);</c>.</summary>
    public void Deconstruct(out Tensor features, out Tensor labels)
    {
        features = Features;
        labels = Labels;
    }
}
