using System.Text;
using System.Text.Json;
using Nabla.Data;
using Nabla.IO;
using Nabla.Tests.Data;
using static Nabla.Tests.Training.CliRun;

namespace Nabla.Tests.Training;

/// <summary>The character language models through the CLI, on a small text with short windows so each run takes a moment.</summary>
[Collection(GlobalStateCollection.Name)]
public sealed class CliTextTests : IDisposable
{
    private const string Sentence = "the quick brown fox jumps over the lazy dog, and the dog sleeps on. ";

    private readonly TempDirectory _dir = new();

    public CliTextTests()
    {
        var text = new StringBuilder();
        for (int i = 0; text.Length < 1600; i++) text.Append(Sentence).Append(i % 3 == 0 ? "\n" : "");
        TextPath = _dir.File("tiny.txt");
        File.WriteAllText(TextPath, text.ToString());
    }

    private string TextPath { get; }

    public void Dispose() => _dir.Dispose();

    private string[] Train(string model, string run, int epochs, params string[] more) =>
        ["train", "--data", "text:" + TextPath, "--model", model, "--sequence-length", "16", "--batch-size", "16", "--epochs", $"{epochs}", "--out", run, .. more];

    private static List<JsonElement> Metrics(string run) =>
        [.. File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    [Fact]
    public void LstmTrainsResumesExactlyAndGenerates()
    {
        // Without a schedule, a run of 1 epoch resumed to 2 is a run of 2 (cosine annealing would end the first at lr 0).
        string run = _dir.File("lstm");
        var (code, output, error) = Run(Train("lstm", run, 1, "--lr-schedule", "none"));
        Assert.True(code == 0, error);
        Assert.Contains("held-out characters", output);
        Assert.Contains("perplexity", output);
        Assert.DoesNotContain("macro avg", output);

        (code, output, error) = Run(Train("lstm", run, 2, "--lr-schedule", "none", "--resume"));
        Assert.True(code == 0, error);
        Assert.Contains("resuming after epoch 1", output);
        string whole = _dir.File("whole");
        Assert.Equal(0, Run(Train("lstm", whole, 2, "--lr-schedule", "none")).Code);
        var resumed = Metrics(run);
        Assert.Equal(Losses(Metrics(whole)), Losses(resumed));

        var vocabulary = CharVocabulary.FromText(File.ReadAllText(TextPath));
        foreach (var epoch in resumed)
        {
            double loss = epoch.GetProperty("test_loss").GetDouble(), perplexity = epoch.GetProperty("test_perplexity").GetDouble();
            Assert.Equal(Math.Exp(loss), perplexity, 9);
            Assert.InRange(perplexity, 1, 2.0 * vocabulary.Count);
            Assert.InRange(epoch.GetProperty("test_accuracy").GetDouble(), 0, 1);
            Assert.Equal(Math.Exp(epoch.GetProperty("train_loss").GetDouble()), epoch.GetProperty("train_perplexity").GetDouble(), 9);
        }
        Assert.True(resumed[1].GetProperty("train_loss").GetDouble() < resumed[0].GetProperty("train_loss").GetDouble());

        string modelFile = Path.Combine(run, "model.safetensors");
        var metadata = SafeTensors.Load(modelFile).Metadata;
        Assert.Equal("lstm", metadata["nabla.model"]);
        Assert.Equal("16", metadata["nabla.sequence_length"]);
        Assert.Equal("text:" + TextPath, metadata["nabla.data"]);
        Assert.Equal(vocabulary.ToJson(), metadata[CharVocabulary.MetadataKey]);

        string[] generate = ["generate", "--model-file", modelFile, "--prompt", "the ", "--length", "40", "--seed", "5"];
        (code, output, error) = Run(generate);
        Assert.True(code == 0, error);
        string sample = output.TrimEnd('\n');
        Assert.StartsWith("the ", sample);
        Assert.Equal(44, sample.Length);
        Assert.All(sample.EnumerateRunes(), c => Assert.True(vocabulary.Contains(c), $"'{c}' is not in the vocabulary"));
        Assert.Equal(output, Run(generate).Output);
        Assert.NotEqual(output, Run([.. generate[..^1], "6"]).Output);

        (code, output, error) = Run("generate", "--model-file", modelFile, "--prompt", "fox€ é", "--length", "3");
        Assert.Equal(2, code);
        Assert.Contains("'€' (U+20AC), 'é' (U+00E9)", error);

        // The model file records text:PATH, and a file never chooses what eval reads, so the text is named again.
        (code, _, error) = Run("eval", "--model-file", modelFile);
        Assert.Equal(2, code);
        Assert.Contains("pass --data", error);
        (code, output, error) = Run("eval", "--model-file", modelFile, "--data", "text:" + TextPath);
        Assert.True(code == 0, error);
        Assert.Contains($"perplexity {resumed[1].GetProperty("test_perplexity").GetDouble():F3}", output);

        (code, _, error) = Run("predict", "--model-file", modelFile, "--input", "1,2");
        Assert.Equal(2, code);
        Assert.Contains("nabla generate", error);

        static List<(double, double)> Losses(List<JsonElement> epochs) =>
            [.. epochs.Select(e => (e.GetProperty("train_loss").GetDouble(), e.GetProperty("test_loss").GetDouble()))];
    }

    [Fact]
    public void TransformerTrainsAndGeneratesPastItsContext()
    {
        string run = _dir.File("transformer");
        var (code, output, error) = Run(Train("transformer", run, 2));
        Assert.True(code == 0, error);
        Assert.Contains("epoch 2/2", output);
        var epochs = Metrics(run);
        Assert.Equal(2, epochs.Count);
        Assert.True(epochs[1].GetProperty("test_perplexity").GetDouble() < epochs[0].GetProperty("test_perplexity").GetDouble(), output);
        Assert.True(double.IsFinite(epochs[1].GetProperty("test_perplexity").GetDouble()));

        // 30 characters past a prompt of 10 run the model on windows longer than its 16-character context.
        string[] generate = ["generate", "--model-file", Path.Combine(run, "model.safetensors"), "--prompt", "the lazy d", "--length", "30", "--top-k", "3", "--temperature", "1.2"];
        (code, output, error) = Run(generate);
        Assert.True(code == 0, error);
        Assert.Equal(40, output.TrimEnd('\n').Length);
        Assert.Equal(output, Run(generate).Output);
    }

    [Fact]
    public void GenerateRefusesAModelThatIsNotAText()
    {
        string run = _dir.File("moons");
        Assert.Equal(0, Run("train", "--epochs", "1", "--out", run).Code);
        var (code, _, error) = Run("generate", "--model-file", Path.Combine(run, "model.safetensors"), "--prompt", "a");
        Assert.Equal(2, code);
        Assert.Contains("is not a text model", error);
    }

    [Theory]
    [InlineData("does not exist", "train", "--data", "text:/no/such/file.txt", "--model", "lstm")]
    [InlineData("need at least 5001", "train", "--data", "text:TINY", "--model", "lstm", "--sequence-length", "5000")]
    [InlineData("is held out for testing", "train", "--data", "text:TINY", "--model", "gru", "--sequence-length", "300")]
    [InlineData("--augment flip transforms images", "train", "--data", "text:TINY", "--model", "lstm", "--augment", "flip")]
    [InlineData("--model mlp does not read text", "train", "--data", "text:TINY", "--model", "mlp")]
    [InlineData("needs text (--data text or text:PATH)", "train", "--model", "transformer")]
    [InlineData("--sequence-length cuts a text", "train", "--sequence-length", "8")]
    [InlineData("--clip-grad-norm must be a positive number", "train", "--clip-grad-norm", "0")]
    [InlineData("does not exist", "generate", "--model-file", "/no/such/model.safetensors", "--prompt", "a")]
    [InlineData("--prompt", "generate", "--model-file", "m.safetensors")]
    public void BadTextInputIsOneLineAndExitCode2(string message, params string[] args)
    {
        var (code, _, error) = Run([.. args.Select(a => a.Replace("TINY", TextPath, StringComparison.Ordinal))]);
        Assert.Equal(2, code);
        Assert.Contains(message, error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", error);
    }
}
