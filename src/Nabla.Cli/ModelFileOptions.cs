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
        Description = $"The data set: {DataSource.Choices} (default: the one the model file was trained on).",
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
        var source = DataSource.Parse(parse.GetValue(Data) ?? (file.Metadata.TryGetValue(CliOptions.DataKey, out var d) ? d
            : throw new UsageException($"'{path}' does not record its data set; pass --data.")), sequenceLength, vocabulary);
        ulong resolvedSeed = seed ?? (file.Metadata.TryGetValue(CliOptions.SeedKey, out var s) && ulong.TryParse(s, out var parsed) ? parsed : 0);
        var network = ModelZoo.Build(modelName, source, DType.Float32, new Generator(resolvedSeed), new Generator(resolvedSeed));
        try
        {
            network.LoadStateDict(file.Tensors);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"'{path}' does not hold a {modelName} for --data {source.Spec}: {e.Message}");
        }
        network.Eval();
        return (network, source, resolvedSeed);
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
