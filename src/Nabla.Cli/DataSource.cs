using System.Globalization;
using Nabla.Data;

namespace Nabla.Cli;

/// <summary>
/// A data set named on the command line (<c>--data</c>): the generated 2-D sets <c>moons</c>, <c>circles</c>,
/// <c>spirals</c> and <c>xor</c>, the image sets <c>fashion-mnist</c> (optionally <c>fashion-mnist:DIR</c>) and
/// <c>mnist:DIR</c>, or a table <c>csv:PATH</c> (last column the integer class). Images are (N, 1, 28, 28) in [0, 1];
/// labels are int64 classes. Generated sets and tables are split 80/20 into training and test parts with the run's seed
/// (tables stratified by class).
/// </summary>
internal sealed class DataSource
{
    public const string Choices = "moons, circles, spirals, xor, fashion-mnist[:DIR], mnist:DIR or csv:PATH";

    private readonly Func<bool, (Tensor X, Tensor Y)>? _images;
    private readonly CsvData? _table;

    private DataSource(string spec, string kind, int[] exampleShape, int numClasses, IReadOnlyList<string>? classNames,
        Func<bool, (Tensor X, Tensor Y)>? images = null, CsvData? table = null)
    {
        Spec = spec;
        Kind = kind;
        ExampleShape = exampleShape;
        NumClasses = numClasses;
        ClassNames = classNames;
        _images = images;
        _table = table;
    }

    /// <summary>The text given to <c>--data</c>.</summary>
    public string Spec { get; }

    /// <summary>moons, circles, spirals, xor, fashion-mnist, mnist or csv.</summary>
    public string Kind { get; }

    /// <summary>The shape of one input: (2), (F) or (1, 28, 28).</summary>
    public int[] ExampleShape { get; }

    /// <summary>The number of features of one input (the product of <see cref="ExampleShape"/>).</summary>
    public int Features => ExampleShape.Aggregate(1, (a, b) => a * b);

    /// <summary>Whether the inputs are images (for the convolutional models).</summary>
    public bool IsImage => ExampleShape.Length == 3;

    /// <summary>The number of classes; 2 means one logit and binary cross-entropy.</summary>
    public int NumClasses { get; }

    /// <summary>The class names, or null for numbered classes.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>Parses <c>--data</c>; a table is read now, to learn its width and classes.</summary>
    public static DataSource Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        int colon = spec.IndexOf(':');
        string kind = colon < 0 ? spec : spec[..colon];
        string? argument = colon < 0 ? null : spec[(colon + 1)..];
        if (argument is not null && argument.Length == 0) throw new UsageException($"--data {spec}: the part after ':' is empty.");
        if (argument is not null && kind is not ("fashion-mnist" or "mnist" or "csv"))
            throw new UsageException($"--data {spec}: only fashion-mnist, mnist and csv take a ':' argument.");
        switch (kind)
        {
            case "moons" or "circles" or "xor":
                return new DataSource(spec, kind, [2], 2, null);
            case "spirals":
                return new DataSource(spec, kind, [2], 3, null);
            case "fashion-mnist":
                string fashionDir = argument ?? FashionMnist.DefaultDirectory;
                return new DataSource(spec, kind, [1, 28, 28], 10, FashionMnist.Classes, train => FashionMnist.Load(fashionDir, train));
            case "mnist":
                if (argument is null) throw new UsageException("--data mnist needs the directory of the IDX files: --data mnist:DIR.");
                return new DataSource(spec, kind, [1, 28, 28], 10, null, train => Mnist.Load(argument, train));
            case "csv":
                if (argument is null) throw new UsageException("--data csv needs a file: --data csv:PATH.");
                return FromTable(spec, Csv.Load(argument));
            default:
                throw new UsageException($"unknown data '{spec}': expected {Choices}.");
        }
    }

    private static DataSource FromTable(string spec, CsvData table)
    {
        if (table.Labels.DType != DType.Int64)
            throw new UsageException($"--data {spec}: the last column must hold integer classes, but it holds fractional numbers (regression is not supported).");
        var labels = table.Labels.ToArray<long>();
        if (labels.Length < 5) throw new UsageException($"--data {spec}: the table has {labels.Length} rows; at least 5 are needed for an 80/20 split.");
        long min = labels.Min(), max = labels.Max();
        if (min < 0) throw new UsageException($"--data {spec}: class labels must be 0 or more, found {min}.");
        if (max >= 1000) throw new UsageException($"--data {spec}: found class label {max}; expected classes numbered from 0 (at most 1000).");
        int classes = Math.Max(2, (int)max + 1);
        return new DataSource(spec, "csv", [table.Features.Shape[1]], classes, table.ClassNames, table: table);
    }

    /// <summary>The training or test part, generated or read with <paramref name="seed"/>.</summary>
    public (Tensor X, Tensor Y) Load(bool train, ulong seed)
    {
        if (_images is not null) return _images(train);
        if (Kind == "xor")
        {
            // Four points: training and testing on the same ones is the whole problem.
            var (x, y) = Synthetic.Xor();
            return (x, y.Reshape(-1).To(DType.Int64));
        }
        var (all, labels) = _table is not null ? (_table.Features, _table.Labels) : Generate(seed);
        // A table's classes may be few and unequal, so its split keeps their proportions.
        var (xTrain, xTest, yTrain, yTest) = Splits.TrainTestSplit(all, labels, testFraction: 0.2, stratify: _table is not null, seed: seed);
        return train ? (xTrain, yTrain) : (xTest, yTest);
    }

    private (Tensor X, Tensor Y) Generate(ulong seed)
    {
        var generator = new Generator(seed);
        return Kind switch
        {
            "moons" => Synthetic.MakeMoons(1000, noise: 0.1, generator: generator),
            "circles" => Synthetic.MakeCircles(1000, noise: 0.05, factor: 0.5, generator: generator),
            _ => Synthetic.Spirals(300, classes: 3, noise: 0.2, generator: generator),
        };
    }

    /// <summary>The name of class <paramref name="k"/> for reports.</summary>
    public string ClassName(int k) =>
        ClassNames is not null && k < ClassNames.Count ? ClassNames[k] : k.ToString(CultureInfo.InvariantCulture);
}
