using System.CommandLine;
using System.Globalization;
using Nabla.Data;
using Nabla.IO;
using Nabla.NN;

namespace Nabla.Cli;

/// <summary>
/// The options of the commands that read a trained model (<c>eval</c>, <c>predict</c>): <c>--model-file</c>, and
/// <c>--model</c> and <c>--data</c>, which default to what the file records.
/// </summary>
internal sealed class ModelFileOptions
{
    public Option<string> ModelFile { get; } = new("--model-file")
    {
        Description = "A model.safetensors written by 'nabla train --out DIR'.",
        Required = true,
    };

    public Option<string?> Model { get; } = OptionalModel();

    public Option<string?> Data { get; } = new("--data")
    {
        Description = $"The data set: {DataSource.Choices} (default: the one the model file was trained on, if it is a built-in set named without a path).",
    };

    private static Option<string?> OptionalModel()
    {
        var option = new Option<string?>("--model") { Description = $"{CliOptions.ModelChoices} (default: the one recorded in the model file)." };
        option.AcceptOnlyFromAmong(ModelZoo.Names);
        return option;
    }

    /// <summary>
    /// Reads the model file and resolves --model, --data and <paramref name="seed"/> against what it records; the
    /// model comes back in evaluation mode. A text model's data is read in its recorded window length and encoded with
    /// its recorded vocabulary; <paramref name="textHint"/>, when given, refuses text models with that advice instead.
    /// </summary>
    public (Module Model, DataSource Data, ulong Seed) Load(ParseResult parse, ulong? seed, string? textHint = null)
    {
        string path = parse.GetValue(ModelFile)!;
        if (!File.Exists(path)) throw new UsageException($"the model file '{path}' does not exist.");
        var file = SafeTensors.Load(path);
        string modelName = parse.GetValue(Model) ?? (file.Metadata.TryGetValue(CliOptions.ModelKey, out var m) ? m
            : throw new UsageException($"'{path}' does not record its model; pass --model."));
        if (ModelZoo.IsTextModel(modelName) && textHint is not null) throw new UsageException($"'{path}' is a character language model ({modelName}); {textHint}");
        var (sequenceLength, vocabulary) = ModelZoo.IsTextModel(modelName) ? TextSettings(path, file.Metadata) : (DataSource.DefaultSequenceLength, null);
        var source = DataSource.Parse(parse.GetValue(Data) ?? RecordedData(path, file.Metadata), sequenceLength, vocabulary);
        if (file.Metadata.TryGetValue(CliOptions.ClassesKey, out var classes)) source = source.WithClasses(DataSource.ParseClassNames(path, classes));
        ulong resolvedSeed = seed ?? (file.Metadata.TryGetValue(CliOptions.SeedKey, out var s) && ulong.TryParse(s, out var parsed) ? parsed : 0);
        var network = ModelZoo.Build(modelName, source, DType.Float32, new Generator(resolvedSeed), new Generator(resolvedSeed));
        try
        {
            network.LoadStateDict(file.Tensors);
        }
        catch (ArgumentException e)
        {
            string trainedOn = file.Metadata.TryGetValue(CliOptions.DataKey, out var recorded) ? $"--data {Quoted.Of(recorded)}" : "data it does not record";
            string recordedModel = file.Metadata.TryGetValue(CliOptions.ModelKey, out var rm) ? rm : "an unrecorded model";
            throw new UsageException($"'{path}' does not hold a {modelName} for --data {source.Spec}: it was trained as {recordedModel} on {trainedOn} ({e.Message.TrimEnd('.')}).");
        }
        network.Eval();
        return (network, source, resolvedSeed);
    }

    /// <summary>
    /// The data set a model file records, when it is a built-in one named without a path. A file never chooses a file
    /// to read: one downloaded from elsewhere could name <c>/dev/zero</c> or a private file, so a recorded data set that
    /// names a path (<c>csv:…</c>, <c>mnist:…</c>, <c>fashion-mnist:DIR</c>, <c>text:PATH</c>) is refused, unopened, and
    /// <c>--data</c> must say it.
    /// </summary>
    private static string RecordedData(string path, IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(CliOptions.DataKey, out var recorded)) throw new UsageException($"'{path}' does not record its data set; pass --data.");
        if (DataSource.BuiltInNames.Contains(recorded, StringComparer.Ordinal)) return recorded;
        throw new UsageException($"'{path}' records the data set {Quoted.Of(recorded)}, which is not one of the built-in sets ({string.Join(", ", DataSource.BuiltInNames)}); " +
            "a model file never chooses a file to read, so pass --data.");
    }

    /// <summary>The window length and the vocabulary a text model's file records.</summary>
    public static (int SequenceLength, CharVocabulary Vocabulary) TextSettings(string path, IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(CharVocabulary.MetadataKey, out var json))
            throw new UsageException($"'{path}' is not a text model: it records no character vocabulary (train one with 'nabla train --data text --model lstm --out DIR').");
        if (!metadata.TryGetValue(CliOptions.SequenceLengthKey, out var text) || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int length) || length < 1)
            throw new UsageException($"'{path}' does not record a valid sequence length under '{CliOptions.SequenceLengthKey}'.");
        return (length, CharVocabulary.FromJson(json));
    }
}
