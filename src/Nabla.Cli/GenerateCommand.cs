using System.CommandLine;
using System.Globalization;
using System.Text;
using Nabla.Data;
using Nabla.IO;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla generate</c>: continues a prompt with characters sampled from a trained character language model. The
/// architecture, the vocabulary and the window length come from the model file's metadata; the output is the prompt
/// followed by the sampled characters.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var modelFile = new Option<string>("--model-file")
        {
            Description = "A model.safetensors written by 'nabla train --data text --model lstm|gru|transformer --out DIR'.",
            Required = true,
        };
        var prompt = new Option<string>("--prompt") { Description = "The text to continue; every character must be in the model's vocabulary.", Required = true };
        var length = new Option<int>("--length") { Description = "The number of characters to sample.", DefaultValueFactory = _ => 200 };
        var temperature = new Option<double>("--temperature")
        {
            Description = "Divides the logits before the softmax: below 1 is more conservative, above 1 more adventurous.",
            DefaultValueFactory = _ => 0.8,
        };
        var topK = new Option<int?>("--top-k") { Description = "Sample only among the k likeliest characters at each step (default: all)." };
        var seed = new Option<ulong>("--seed") { Description = "The seed of the sampling.", DefaultValueFactory = _ => 0 };
        var threads = CliOptions.Threads();
        var command = new Command("generate", "Continue a prompt with a trained character language model." + CliHelp.Examples("nabla generate --model-file runs/lstm/model.safetensors --prompt \"The GNU \" --length 300 --seed 1"))
        {
            modelFile, prompt, length, temperature, topK, seed, threads,
        };
        command.SetAction(parse => NablaCli.Guard("generate", error, () =>
        {
            CliOptions.ApplyThreads(parse.GetValue(threads));
            int n = parse.GetValue(length);
            double t = parse.GetValue(temperature);
            int? k = parse.GetValue(topK);
            if (n < 0) throw new UsageException($"--length must be 0 or more, got {n}.");
            if (!(t > 0) || !double.IsFinite(t)) throw new UsageException($"--temperature must be a positive number, got {t.ToString(CultureInfo.InvariantCulture)}.");
            if (k is < 1) throw new UsageException($"--top-k must be at least 1, got {k}.");
            var (model, vocabulary) = Load(parse.GetValue(modelFile)!);
            string text = parse.GetValue(prompt)!;
            var ids = Encode(text, vocabulary);
            var sampled = model.Sample(ids, n, t, k, new Generator(parse.GetValue(seed)));
            output.WriteLine(text + vocabulary.Decode(sampled));
            return 0;
        }));
        return command;
    }

    private static (CharModel Model, CharVocabulary Vocabulary) Load(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"the model file '{path}' does not exist.");
        var file = SafeTensors.Load(path);
        var (sequenceLength, vocabulary) = ModelFileOptions.TextSettings(path, file.Metadata);
        string name = file.Metadata.TryGetValue(CliOptions.ModelKey, out var m) ? m : throw new UsageException($"'{path}' does not record its model.");
        if (!ModelZoo.IsTextModel(name)) throw new UsageException($"'{path}' holds a {name}, not a character language model (lstm, gru or transformer).");
        // The initial values are overwritten by the file's; the generators only have to exist.
        var model = new CharModel(name, vocabulary.Count, sequenceLength, DType.Float32, new Generator(0), new Generator(0));
        try
        {
            model.LoadStateDict(file.Tensors);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"'{path}' does not hold a {name} over {vocabulary.Count} characters: {e.Message}");
        }
        return (model, vocabulary);
    }

    private static long[] Encode(string prompt, CharVocabulary vocabulary)
    {
        if (prompt.Length == 0) throw new UsageException("--prompt is empty; give at least one character to continue.");
        var missing = new List<Rune>();
        int position = 0;
        while (position < prompt.Length)
        {
            if (Rune.DecodeFromUtf16(prompt.AsSpan(position), out var rune, out int used) != System.Buffers.OperationStatus.Done)
                throw new UsageException($"--prompt has an unpaired surrogate at position {position}.");
            if (!vocabulary.Contains(rune) && !missing.Contains(rune)) missing.Add(rune);
            position += used;
        }
        if (missing.Count > 0)
        {
            throw new UsageException(
                $"--prompt has {missing.Count} character(s) the model never saw: {string.Join(", ", missing.Select(Describe))} (its vocabulary has {vocabulary.Count} characters).");
        }
        return vocabulary.Encode(prompt);
    }

    private static string Describe(Rune rune) =>
        Rune.IsControl(rune) || Rune.IsWhiteSpace(rune)
            ? string.Create(CultureInfo.InvariantCulture, $"U+{rune.Value:X4}")
            : string.Create(CultureInfo.InvariantCulture, $"'{rune}' (U+{rune.Value:X4})");
}
