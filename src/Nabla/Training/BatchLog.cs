using System.Globalization;
using System.Text;

namespace Nabla.Training;

/// <summary>What <see cref="Callback.OnBatchEnd"/> learns about the training step that just finished.</summary>
/// <param name="Epoch">The epoch the step belongs to, counting from 1.</param>
/// <param name="Batch">The step's index within the epoch, counting from 1.</param>
/// <param name="Size">The number of examples in the batch.</param>
/// <param name="Loss">The batch's loss, read before the optimizer step.</param>
/// <param name="GlobalStep">The number of optimizer steps taken so far in the whole run, this one included.</param>
public readonly record struct BatchLog(int Epoch, int Batch, int Size, double Loss, long GlobalStep)
{
    /// <summary>The number of batches in the epoch (the training loader's <see cref="Data.DataLoader.Count"/>), or 0 where unknown.</summary>
    public int BatchCount { get; init; }

    /// <summary>The last epoch <see cref="Trainer.Fit"/> will train, or 0 where unknown.</summary>
    public int LastEpoch { get; init; }

    /// <summary>The mean loss per example of the epoch's batches so far, this one included.</summary>
    public double EpochLoss { get; init; }

    /// <summary>The accuracy of the epoch's batches so far, this one included, with <see cref="TrainerOptions.ComputeAccuracy"/>; null otherwise.</summary>
    public double? EpochAccuracy { get; init; }

    /// <summary>The examples of the epoch so far, this batch included.</summary>
    public long EpochExamples { get; init; }

    /// <summary>The time spent on the epoch so far, in seconds (over the whole epoch when it was resumed mid-way).</summary>
    public double EpochSeconds { get; init; }

    /// <summary>
    /// The epoch's progress on one line, as the trainer's progress line and <c>nabla train</c> show it:
    /// <c>epoch 3/40  batch 12/25  loss 0.3012  accuracy 0.8750  1,234 samples/s  elapsed 0:02  left 0:01</c>
    /// (the loss and accuracy are the epoch's so far; the time left is the epoch's, at its pace so far).
    /// </summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"epoch {Epoch}");
        if (LastEpoch > 0) text.Append(CultureInfo.InvariantCulture, $"/{LastEpoch}");
        text.Append(CultureInfo.InvariantCulture, $"  batch {Batch}");
        if (BatchCount > 0) text.Append(CultureInfo.InvariantCulture, $"/{BatchCount}");
        text.Append(CultureInfo.InvariantCulture, $"  loss {EpochLoss:F4}");
        if (EpochAccuracy is { } accuracy) text.Append(CultureInfo.InvariantCulture, $"  accuracy {accuracy:F4}");
        if (EpochSeconds > 0) text.Append(CultureInfo.InvariantCulture, $"  {EpochExamples / EpochSeconds:N0} samples/s");
        text.Append("  elapsed ").Append(Clock(EpochSeconds));
        if (BatchCount > 0 && Batch > 0) text.Append("  left ").Append(Clock(EpochSeconds / Batch * (BatchCount - Batch)));
        return text.ToString();
    }

    /// <summary>Seconds as m:ss, or h:mm:ss from an hour on.</summary>
    internal static string Clock(double seconds)
    {
        var time = TimeSpan.FromSeconds(Math.Round(double.IsFinite(seconds) ? Math.Max(seconds, 0) : 0));
        return time.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)time.TotalHours}:{time.Minutes:D2}:{time.Seconds:D2}")
            : string.Create(CultureInfo.InvariantCulture, $"{time.Minutes}:{time.Seconds:D2}");
    }
}
