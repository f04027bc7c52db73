using System.CommandLine;
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
    /// model comes back in evaluation mode.
    /// </summary>
    public (Module Model, DataSource Data, ulong Seed) Load(ParseResult parse, ulong? seed)
    {
        string path = parse.GetValue(ModelFile)!;
        if (!File.Exists(path)) throw new UsageException($"the model file '{path}' does not exist.");
        var file = SafeTensors.Load(path);
        string modelName = parse.GetValue(Model) ?? (file.Metadata.TryGetValue(CliOptions.ModelKey, out var m) ? m
            : throw new UsageException($"'{path}' does not record its model; pass --model."));
        var source = DataSource.Parse(parse.GetValue(Data) ?? (file.Metadata.TryGetValue(CliOptions.DataKey, out var d) ? d
            : throw new UsageException($"'{path}' does not record its data set; pass --data.")));
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
}
