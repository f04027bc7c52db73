using System.Globalization;
using System.Text;
using System.Text.Json;
using Nabla.Data;
using Nabla.IO;

namespace Nabla.Cli;

/// <summary>
/// A data set named on the command line (<c>--data</c>): the generated 2-D sets <c>moons</c>, <c>circles</c>,
/// <c>spirals</c> and <c>xor</c>, the image sets <c>fashion-mnist</c> (optionally <c>fashion-mnist:DIR</c>) and
/// <c>mnist:DIR</c>, a table <c>csv:PATH</c> (last column the integer class), or a UTF-8 text <c>text[:PATH]</c> (by default
/// <see cref="DefaultTextPath"/>) for the character language models. Images are (N, 1, 28, 28) in [0, 1]; labels are
/// int64 classes. Generated sets and tables are split 80/20 into training and test parts with the run's seed (tables
/// stratified by class). A text's last tenth of characters is held out for testing, so no window straddles both parts;
/// each part is cut into non-overlapping windows of <see cref="SequenceLength"/> characters, the input (T) int64 ids and
/// the target the same window shifted by one character.
/// </summary>
internal sealed class DataSource
{
    public const string Choices = "moons, circles, spirals, xor, fashion-mnist[:DIR], mnist:DIR, csv:PATH or text[:PATH]";

    /// <summary>The data sets named without a path, which a model file may record and <c>eval</c> and <c>predict</c> then use without <c>--data</c>.</summary>
    public static readonly string[] BuiltInNames = ["moons", "circles", "spirals", "xor", "fashion-mnist", "text"];

    /// <summary>The text <c>--data text</c> reads: the GPL version 3, on every Debian system.</summary>
    public const string DefaultTextPath = "/usr/share/common-licenses/GPL-3";

    /// <summary>The window length of a text when none is asked for.</summary>
    public const int DefaultSequenceLength = 64;

    /// <summary>The fraction of a text's characters, at its end, held out for testing.</summary>
    public const double HeldOutFraction = 0.1;

    private readonly Func<bool, (Tensor X, Tensor Y)>? _images;
    private readonly CsvData? _table;
    private readonly (TextSequences Train, TextSequences Test)? _text;

    private DataSource(string spec, string kind, int[] exampleShape, int numClasses, IReadOnlyList<string>? classNames,
        Func<bool, (Tensor X, Tensor Y)>? images = null, CsvData? table = null, (TextSequences Train, TextSequences Test)? text = null)
    {
        Spec = spec;
        Kind = kind;
        ExampleShape = exampleShape;
        NumClasses = numClasses;
        ClassNames = classNames;
        _images = images;
        _table = table;
        _text = text;
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

    /// <summary>Whether the data is a text, for the character language models.</summary>
    public bool IsText => _text is not null;

    /// <summary>The vocabulary of a text (its classes are the characters), or null.</summary>
    public CharVocabulary? Vocabulary => _text?.Train.Vocabulary;

    /// <summary>The window length T of a text; 0 for other data.</summary>
    public int SequenceLength => _text?.Train.SequenceLength ?? 0;

    /// <summary>The number of characters of a text's training and held-out parts.</summary>
    public (int Train, int Test) TextCharacters => _text is { } t ? (t.Train.Tokens.Length, t.Test.Tokens.Length) : (0, 0);

    /// <summary>The number of classes; 2 means one logit and binary cross-entropy (except for a text).</summary>
    public int NumClasses { get; }

    /// <summary>The class names, or null for numbered classes.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>
    /// Parses <c>--data</c>; a table or a text is read now, to learn its width and classes. A text is cut into windows of
    /// <paramref name="sequenceLength"/> characters and encoded with <paramref name="vocabulary"/> (a trained model's),
    /// or with the vocabulary of its own characters when that is null.
    /// </summary>
    public static DataSource Parse(string spec, int sequenceLength = DefaultSequenceLength, CharVocabulary? vocabulary = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        int colon = spec.IndexOf(':');
        string kind = colon < 0 ? spec : spec[..colon];
        string? argument = colon < 0 ? null : spec[(colon + 1)..];
        if (argument is not null && argument.Length == 0) throw new UsageException($"--data {spec}: the part after ':' is empty.");
        if (argument is not null && kind is not ("fashion-mnist" or "mnist" or "csv" or "text"))
            throw new UsageException($"--data {spec}: only fashion-mnist, mnist, csv and text take a ':' argument.");
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
            case "text":
                return FromText(spec, argument ?? DefaultTextPath, sequenceLength, vocabulary);
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

    private static DataSource FromText(string spec, string path, int sequenceLength, CharVocabulary? vocabulary)
    {
        if (sequenceLength < 1) throw new UsageException($"--sequence-length must be at least 1, got {sequenceLength}.");
        var whole = TextSequences.FromFile(path, sequenceLength, vocabulary: vocabulary);
        var tokens = whole.Tokens;
        int heldOut = (int)(tokens.Length * HeldOutFraction);
        if (heldOut < sequenceLength + 1)
        {
            throw new UsageException(
                $"--data {spec}: the text has {tokens.Length} characters; its last tenth ({heldOut}) is held out for testing and must hold a window of " +
                $"{sequenceLength} characters and the one after it ({sequenceLength + 1}); use a longer text or a smaller --sequence-length.");
        }
        var chars = whole.Vocabulary;
        int trainLength = tokens.Length - heldOut;
        var train = new TextSequences(chars.Decode(tokens[..trainLength]), sequenceLength, vocabulary: chars);
        var test = new TextSequences(chars.Decode(tokens[trainLength..]), sequenceLength, vocabulary: chars);
        return new DataSource(spec, "text", [sequenceLength], chars.Count, null, text: (train, test));
    }

    /// <summary>The training or test part, generated or read with <paramref name="seed"/>; a text's windows as (N, T) inputs and targets.</summary>
    public (Tensor X, Tensor Y) Load(bool train, ulong seed)
    {
        if (_images is not null) return _images(train);
        if (_text is { } text)
        {
            var windows = train ? text.Train : text.Test;
            return windows.GetBatch([.. Enumerable.Range(0, windows.Count)]);
        }
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

    /// <summary>The most class names a model file may record.</summary>
    private const int MaxClassNames = 1000;

    /// <summary>
    /// This table with its labels renumbered to <paramref name="classes"/>, the class names a model was trained with, so
    /// that a test file holding only some of the classes, or naming them in another order, is still scored by name. A
    /// class the model never saw is an error naming it. Data without class names is returned as it is.
    /// </summary>
    public DataSource WithClasses(IReadOnlyList<string> classes)
    {
        if (_table?.ClassNames is not { } own || own.SequenceEqual(classes, StringComparer.Ordinal)) return this;
        var index = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int k = 0; k < classes.Count; k++) index[classes[k]] = k;
        var map = new long[own.Count];
        for (int k = 0; k < own.Count; k++)
        {
            if (!index.TryGetValue(own[k], out map[k]))
                throw new UsageException($"--data {Spec}: the class {Quoted.Of(own[k])} is not one of the {classes.Count} classes the model was trained with ({string.Join(", ", classes.Take(10).Select(c => Quoted.Of(c)))}{(classes.Count > 10 ? ", …" : "")}).");
        }
        var labels = _table.Labels.ToArray<long>().Select(l => map[l]).ToArray();
        var table = new CsvData(_table.Features, Tensor.FromArray(labels), _table.FeatureNames, _table.LabelName, classes);
        return new DataSource(Spec, Kind, ExampleShape, Math.Max(2, classes.Count), classes, table: table);
    }

    /// <summary>The class names as the JSON array a model file records.</summary>
    public static string ClassNamesJson(IReadOnlyList<string> classes)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var name in classes) writer.WriteStringValue(name);
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The class names a model file records: a JSON array of distinct strings, read defensively.</summary>
    public static IReadOnlyList<string> ParseClassNames(string path, string json)
    {
        string Bad(string why) => $"'{path}': its class names ({CliOptions.ClassesKey}) {why}.";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 2 });
        }
        catch (JsonException)
        {
            throw new InvalidDataException(Bad("are not valid JSON"));
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array) throw new InvalidDataException(Bad("are not a JSON array"));
            int count = document.RootElement.GetArrayLength();
            if (count is < 1 or > MaxClassNames) throw new InvalidDataException(Bad($"number {count}; expected 1 to {MaxClassNames}"));
            var names = new List<string>(count);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var element in document.RootElement.EnumerateArray())
            {
                if (element.ValueKind != JsonValueKind.String) throw new InvalidDataException(Bad("hold something other than a string"));
                string name = element.GetString()!;
                if (!seen.Add(name)) throw new InvalidDataException(Bad($"repeat {Quoted.Of(name)}"));
                names.Add(name);
            }
            return names;
        }
    }

    /// <summary>The name of class <paramref name="k"/> for reports.</summary>
    public string ClassName(int k) =>
        ClassNames is not null && k < ClassNames.Count ? ClassNames[k] : k.ToString(CultureInfo.InvariantCulture);
}
