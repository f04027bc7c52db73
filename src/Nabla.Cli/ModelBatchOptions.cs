using System.CommandLine;

namespace Nabla.Cli;

/// <summary>
/// The options of the commands that build a fresh model and run it on one small batch (<c>graph</c>,
/// <c>gradcheck</c>): <c>--model</c>, <c>--data</c> (by default moons for the MLP and Fashion-MNIST for the CNNs),
/// <c>--batch-size</c> and <c>--seed</c> (a text's windows have the default length).
/// </summary>
internal sealed class ModelBatchOptions
{
    private readonly bool _trainingBatchSize;

    /// <summary>
    /// The options, with <paramref name="dataPurpose"/> (e.g. "The data set of the batch") opening the --data description;
    /// with <paramref name="trainingBatchSize"/> the batch size defaults to <c>nabla train</c>'s (128 images, 32 otherwise), else to 4.
    /// </summary>
    public ModelBatchOptions(string dataPurpose, bool trainingBatchSize = false)
    {
        _trainingBatchSize = trainingBatchSize;
        BatchSize = new("--batch-size")
        {
            Description = trainingBatchSize ? "Examples in the batch (default: the training batch size, 128 for images, 32 otherwise)." : "Examples in the batch (default 4).",
        };
        Data = new Option<string?>("--data") { Description = $"{dataPurpose} (default: moons for mlp, fashion-mnist for the CNNs, text for the text models): {DataSource.Choices}." };
    }

    public Option<string> Model { get; } = CliOptions.Model("mlp");

    public Option<string?> Data { get; }

    public Option<int?> BatchSize { get; }

    public Option<ulong?> Seed { get; } = CliOptions.Seed();

    /// <summary>The model name, the data set, the batch size (checked to be at least 1) and the seed.</summary>
    public (string Model, DataSource Data, int BatchSize, ulong Seed) Resolve(ParseResult parse)
    {
        string model = parse.GetValue(Model)!;
        var data = DataSource.Parse(parse.GetValue(Data) ?? (model == "mlp" ? "moons" : ModelZoo.IsTextModel(model) ? "text" : "fashion-mnist"));
        int batch = parse.GetValue(BatchSize) ?? (_trainingBatchSize ? TrainCommand.DefaultBatchSize(data) : 4);
        if (batch < 1) throw new UsageException($"--batch-size must be at least 1, got {batch}.");
        return (model, data, batch, parse.GetValue(Seed) ?? 0);
    }
}
