using System.CommandLine;
using Nabla.Kernels;

namespace Nabla.Cli;

/// <summary>The options several commands share, each defined once, and the model-file metadata keys.</summary>
internal static class CliOptions
{
    /// <summary>Metadata keys <c>train</c> writes into model.safetensors, so <c>eval</c> and <c>predict</c> can default to them.</summary>
    public const string ModelKey = "nabla.model", DataKey = "nabla.data", SeedKey = "nabla.seed";

    /// <summary>The metadata key of a table's class names (a JSON array in label order), so evaluation maps labels by name.</summary>
    public const string ClassesKey = "nabla.classes";

    /// <summary>The metadata key of a text model's window length (its transformer's context).</summary>
    public const string SequenceLengthKey = "nabla.sequence_length";

    /// <summary>The start of every <c>--model</c> description.</summary>
    public const string ModelChoices = "The model: mlp, cnn or cnn-bn, or for text lstm, gru or transformer";

    public static Option<string> Data(string defaultValue) => new("--data")
    {
        Description = $"The data set: {DataSource.Choices}.",
        DefaultValueFactory = _ => defaultValue,
    };

    public static Option<string> Model(string defaultValue)
    {
        var option = new Option<string>("--model")
        {
            Description = $"{ModelChoices} (see the README).",
            DefaultValueFactory = _ => defaultValue,
        };
        option.AcceptOnlyFromAmong(ModelZoo.Names);
        return option;
    }

    public static Option<ulong?> Seed() => new("--seed")
    {
        Description = "The seed of every random choice: initialisation, data generation and split, shuffling, dropout (default 0; eval and predict: the model file's).",
    };

    public static Option<int?> Threads() => new("--threads") { Description = "The number of threads the kernels use (default: all cores, or NABLA_NUM_THREADS)." };

    public static void ApplyThreads(int? threads)
    {
        if (threads is not { } n) return;
        if (n < 1) throw new UsageException($"--threads must be at least 1, got {n}.");
        Parallelism.NumThreads = n;
    }
}
