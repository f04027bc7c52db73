using System.Collections;
using System.Text;
using System.Text.Json;

namespace Nabla.Training;

/// <summary>
/// The epochs a <see cref="Trainer"/> has trained, oldest first, like the <c>History</c> that Keras's
/// <c>fit</c> returns. It belongs to the trainer and grows over successive <see cref="Trainer.Fit"/> calls;
/// <see cref="Trainer.LoadCheckpoint"/> restores the epochs trained before the checkpoint.
/// </summary>
public sealed class History : IReadOnlyList<EpochLog>
{
    private readonly List<EpochLog> _epochs = [];

    /// <inheritdoc/>
    public int Count => _epochs.Count;

    /// <inheritdoc/>
    public EpochLog this[int index] => _epochs[index];

    /// <summary>
    /// The metric called <paramref name="name"/> (for example <c>train_loss</c> or <c>val_accuracy</c>, see
    /// <see cref="EpochLog"/>) of every epoch, NaN where an epoch does not have it; ready for a chart.
    /// </summary>
    public double[] Values(string name) => [.. _epochs.Select(e => e.TryGetMetric(name, out double v) ? v : double.NaN)];

    /// <inheritdoc/>
    public IEnumerator<EpochLog> GetEnumerator() => _epochs.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal void Add(EpochLog epoch) => _epochs.Add(epoch);

    internal void ReplaceWith(History other)
    {
        _epochs.Clear();
        _epochs.AddRange(other._epochs);
    }

    /// <summary>
    /// One line per epoch (<see cref="EpochLog.ToString"/>, with the epoch as <c>3/20</c>), or <c>History (no epochs)</c>:
    /// what a training run printed, for a console or a log.
    /// </summary>
    public override string ToString() =>
        _epochs.Count == 0 ? "History (no epochs)" : string.Join(Environment.NewLine, _epochs.Select(e => e.Describe(_epochs[^1].Epoch)));

    /// <summary>The epochs as a JSON array of <see cref="EpochLog.ToJson"/> objects.</summary>
    internal string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartArray();
            foreach (var epoch in _epochs) epoch.Write(writer);
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Replaces the epochs with those of a <see cref="ToJson"/> array.</summary>
    internal void Load(string json, string validationName)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
            throw new FormatException($"History: expected a JSON array of epochs, got {document.RootElement.ValueKind}.");
        var epochs = document.RootElement.EnumerateArray().Select(e => EpochLog.Read(e, validationName)).ToList();
        _epochs.Clear();
        _epochs.AddRange(epochs);
    }
}
