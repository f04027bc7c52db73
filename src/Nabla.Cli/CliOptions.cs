using System.CommandLine;
using Nabla.IO;
using Nabla.Kernels;
using Nabla.NN;

namespace Nabla.Cli;

/// <summary>The options several commands share, and the handling of the model files they read.</summary>
internal static class CliOptions
{
    /// <summary>Metadata keys <c>train</c> writes into model.safetensors, so <c>eval</c> and <c>predict</c> can default to them.</summary>
    public const string ModelKey = "nabla.model", DataKey = "nabla.data", SeedKey = "nabla.seed";

    public static Option<string> Data(string defaultValue) => new("--data")
    {
        Description = $"The data set: {DataSource.Choices}.",
        DefaultValueFactory = _ => defaultValue,
    };

    public static Option<string?> OptionalData() => new("--data")
    {
        Description = $"The data set: {DataSource.Choices} (default: the one the model file was trained on).",
    };

    public static Option<string> Model(string defaultValue)
    {
        var option = new Option<string>("--model")
        {
            Description = "The model: mlp, cnn or cnn-bn (see the README).",
            DefaultValueFactory = _ => defaultValue,
        };
        option.AcceptOnlyFromAmong(ModelZoo.Names);
        return option;
    }

    public static Option<string?> OptionalModel()
    {
        var option = new Option<string?>("--model") { Description = "The model: mlp, cnn or cnn-bn (default: the one recorded in the model file)." };
        option.AcceptOnlyFromAmong(ModelZoo.Names);
        return option;
    }

    public static Option<ulong?> Seed() => new("--seed")
    {
        Description = "The seed of every random choice: initialisation, data generation and split, shuffling, dropout (default 0; eval and predict: the model file's).",
    };

    public static Option<int?> Threads() => new("--threads") { Description = "The number of threads the kernels use (default: all cores, or NABLA_NUM_THREADS)." };

    public static Option<string> ModelFile() => new("--model-file")
    {
        Description = "A model.safetensors written by 'nabla train --out DIR'.",
        Required = true,
    };

    public static void ApplyThreads(int? threads)
    {
        if (threads is not { } n) return;
        if (n < 1) throw new UsageException($"--threads must be at least 1, got {n}.");
        Parallelism.NumThreads = n;
    }

    /// <summary>Reads a model file and resolves --model, --data and --seed against what it records.</summary>
    public static (Module Model, DataSource Data, ulong Seed) LoadModel(string path, string? model, string? data, ulong? seed)
    {
        if (!File.Exists(path)) throw new UsageException($"the model file '{path}' does not exist.");
        var file = SafeTensors.Load(path);
        string modelName = model ?? (file.Metadata.TryGetValue(ModelKey, out var m) ? m
            : throw new UsageException($"'{path}' does not record its model; pass --model."));
        var source = DataSource.Parse(data ?? (file.Metadata.TryGetValue(DataKey, out var d) ? d
            : throw new UsageException($"'{path}' does not record its data set; pass --data.")));
        ulong resolvedSeed = seed ?? (file.Metadata.TryGetValue(SeedKey, out var s) && ulong.TryParse(s, out var parsed) ? parsed : 0);
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
