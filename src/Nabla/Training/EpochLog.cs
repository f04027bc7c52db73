using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Nabla.Training;

/// <summary>
/// The metrics of one epoch, as <see cref="Trainer.Fit"/> records them in <see cref="Trainer.History"/> and hands
/// them to <see cref="Callback.OnEpochEnd"/>. By name (<see cref="NamedValues"/>, <see cref="TryGetMetric"/>, the
/// callbacks' <c>monitor</c>): <c>epoch</c>, <c>train_loss</c>, <c>train_accuracy</c>, <c>train_perplexity</c>,
/// <c>val_loss</c>, <c>val_accuracy</c>, <c>val_perplexity</c>, <c>lr</c> and <c>seconds</c>, where <c>val</c> is <see cref="ValidationName"/>; <c>loss</c>
/// and <c>accuracy</c> are accepted for the training ones, as in Keras.
/// </summary>
public sealed record EpochLog
{
    /// <summary>The epoch's number, counting from 1 over the whole run (a resumed run continues the count).</summary>
    public int Epoch { get; init; }

    /// <summary>The mean training loss over the epoch's examples (each batch's loss weighted by its size).</summary>
    public double TrainLoss { get; init; }

    /// <summary>The fraction of training examples classified correctly during the epoch, when <see cref="TrainerOptions.ComputeAccuracy"/> is set.</summary>
    public double? TrainAccuracy { get; init; }

    /// <summary>exp(<see cref="TrainLoss"/>), when <see cref="TrainerOptions.ComputePerplexity"/> is set.</summary>
    public double? TrainPerplexity { get; init; }

    /// <summary>The mean loss on the validation data after the epoch, when <see cref="Trainer.Fit"/> got validation data.</summary>
    public double? ValidationLoss { get; init; }

    /// <summary>The validation accuracy after the epoch, with validation data and <see cref="TrainerOptions.ComputeAccuracy"/>.</summary>
    public double? ValidationAccuracy { get; init; }

    /// <summary>exp(<see cref="ValidationLoss"/>), with validation data and <see cref="TrainerOptions.ComputePerplexity"/>.</summary>
    public double? ValidationPerplexity { get; init; }

    /// <summary>The learning rate of the optimizer's first parameter group while the epoch ran.</summary>
    public double LearningRate { get; init; }

    /// <summary>Wall-clock seconds of the epoch, validation included.</summary>
    public double Seconds { get; init; }

    /// <summary>The prefix of the validation metrics' names (<see cref="TrainerOptions.ValidationName"/>): <c>val</c> gives <c>val_loss</c>.</summary>
    public string ValidationName { get; init; } = "val";

    /// <summary>
    /// The metrics that are present, by name, in a fixed order: epoch, train_loss, train_accuracy, train_perplexity,
    /// val_loss, val_accuracy, val_perplexity, lr, seconds.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, double>> NamedValues()
    {
        var metrics = new List<KeyValuePair<string, double>>(9) { new("epoch", Epoch), new("train_loss", TrainLoss) };
        if (TrainAccuracy is { } trainAccuracy) metrics.Add(new("train_accuracy", trainAccuracy));
        if (TrainPerplexity is { } trainPerplexity) metrics.Add(new("train_perplexity", trainPerplexity));
        if (ValidationLoss is { } validationLoss) metrics.Add(new(ValidationName + "_loss", validationLoss));
        if (ValidationAccuracy is { } validationAccuracy) metrics.Add(new(ValidationName + "_accuracy", validationAccuracy));
        if (ValidationPerplexity is { } validationPerplexity) metrics.Add(new(ValidationName + "_perplexity", validationPerplexity));
        metrics.Add(new("lr", LearningRate));
        metrics.Add(new("seconds", Seconds));
        return metrics;
    }

    /// <summary>The metric called <paramref name="name"/> (see the class summary), or false when this epoch does not have it.</summary>
    public bool TryGetMetric(string name, out double value)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name switch { "loss" => "train_loss", "accuracy" => "train_accuracy", _ => name };
        foreach (var (metric, v) in NamedValues())
        {
            if (metric == key)
            {
                value = v;
                return true;
            }
        }
        value = double.NaN;
        return false;
    }

    /// <summary>
    /// The epoch as one line of JSON, e.g. <c>{"epoch":3,"train_loss":0.21,"val_loss":0.25,"lr":0.01,"seconds":0.4}</c>.
    /// Non-finite values (a diverged loss) are written as the strings <c>"NaN"</c>, <c>"Infinity"</c> and <c>"-Infinity"</c>.
    /// </summary>
    public string ToJson() => ToJsonWith([]);

    /// <summary>The line <see cref="ToJson"/> writes, with the metrics <paramref name="extra"/> after its own, written the same way.</summary>
    internal string ToJsonWith(IReadOnlyList<KeyValuePair<string, double>> extra)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream)) Write(writer, extra);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    internal void Write(Utf8JsonWriter writer, IReadOnlyList<KeyValuePair<string, double>>? extra = null)
    {
        writer.WriteStartObject();
        foreach (var (name, value) in extra is null ? NamedValues() : NamedValues().Concat(extra))
        {
            if (name == "epoch") writer.WriteNumber(name, Epoch);
            else if (double.IsFinite(value)) writer.WriteNumber(name, value);
            else writer.WriteString(name, value.ToString(CultureInfo.InvariantCulture));
        }
        writer.WriteEndObject();
    }

    /// <summary>Reads an epoch written by <see cref="ToJson"/>, whose validation metrics are named with <paramref name="validationName"/>.</summary>
    /// <exception cref="FormatException">A required metric is missing or not a number.</exception>
    public static EpochLog FromJson(string json, string validationName = "val")
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = JsonDocument.Parse(json);
        return Read(document.RootElement, validationName);
    }

    internal static EpochLog Read(JsonElement element, string validationName)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new FormatException($"EpochLog.FromJson: expected a JSON object, got {element.ValueKind}.");
        double? Optional(string name)
        {
            if (!element.TryGetProperty(name, out var value)) return null;
            return value.ValueKind switch
            {
                JsonValueKind.Number => value.GetDouble(),
                JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
                _ => throw new FormatException($"EpochLog.FromJson: '{name}' is not a number: {value.GetRawText()}."),
            };
        }
        double Required(string name) => Optional(name) ?? throw new FormatException($"EpochLog.FromJson: the metric '{name}' is missing.");
        return new EpochLog
        {
            Epoch = checked((int)Required("epoch")),
            TrainLoss = Required("train_loss"),
            TrainAccuracy = Optional("train_accuracy"),
            TrainPerplexity = Optional("train_perplexity"),
            ValidationLoss = Optional(validationName + "_loss"),
            ValidationAccuracy = Optional(validationName + "_accuracy"),
            ValidationPerplexity = Optional(validationName + "_perplexity"),
            LearningRate = Required("lr"),
            Seconds = Required("seconds"),
            ValidationName = validationName,
        };
    }

    /// <summary>A compact one-line summary, e.g. <c>epoch 3  train_loss 0.2104  val_loss 0.2518  val_accuracy 0.9650  lr 0.01  0.41s</c>.</summary>
    public override string ToString() => Describe(null);

    /// <summary>The summary line, with the epoch shown as <c>3/20</c> when <paramref name="lastEpoch"/> is given.</summary>
    internal string Describe(int? lastEpoch)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"epoch {Epoch}");
        if (lastEpoch is { } last) sb.Append(CultureInfo.InvariantCulture, $"/{last}");
        foreach (var (name, value) in NamedValues())
        {
            if (name is "epoch" or "seconds") continue;
            string shown = name == "lr" ? value.ToString("G4", CultureInfo.InvariantCulture).ToLowerInvariant() : value.ToString("F4", CultureInfo.InvariantCulture);
            sb.Append("  ").Append(name).Append(' ').Append(shown);
        }
        sb.Append(CultureInfo.InvariantCulture, $"  {Seconds:F2}s");
        return sb.ToString();
    }
}
