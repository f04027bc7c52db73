using System.Globalization;

namespace Nabla.Training;

/// <summary>How a <see cref="Trainer"/> trains and reports; checked when the trainer is created.</summary>
public sealed record TrainerOptions
{
    /// <summary>
    /// When set, the gradients are rescaled after each backward pass so that their total L2 norm is at most this
    /// value (<see cref="Optim.GradClip.ClipGradNorm"/>); a finite number &gt; 0. Null (the default) does not clip.
    /// </summary>
    public double? ClipGradNorm { get; init; }

    /// <summary>
    /// Also measure classification accuracy, during training and on validation data: the predicted class is the
    /// argmax of (N, C) scores, or logit &gt; 0 for (N) or (N, 1) binary logits (<see cref="Metrics.PredictedClasses"/>);
    /// a sequence model's (N, T, C) scores are counted per position (next-token accuracy for a language model).
    /// </summary>
    public bool ComputeAccuracy { get; init; }

    /// <summary>
    /// Also report perplexity, exp of the mean loss, during training and on validation data (<c>train_perplexity</c>,
    /// <c>val_perplexity</c>). It is the usual measure of a language model whose loss is the mean cross-entropy per
    /// token in nats: the number of equally likely tokens the model is as unsure as.
    /// </summary>
    public bool ComputePerplexity { get; init; }

    /// <summary>Write a progress line to <see cref="Output"/> every this many batches; 0 (the default) for none. At least 0.</summary>
    public int LogInterval { get; init; }

    /// <summary>
    /// Draw a live progress line while an epoch trains (<see cref="BatchLog.Describe"/>: epoch, batch k/n, loss,
    /// accuracy, samples/s, elapsed and time left), in place on the console, when the console's output is a terminal
    /// (<see cref="Console.IsOutputRedirected"/> false); it is wiped before each epoch's line. True (the default) to
    /// draw it there, false for none. Redirected output (a log file, a pipe, a test) never gets it.
    /// </summary>
    public bool Progress { get; init; } = true;

    /// <summary>Where the progress line is drawn instead of the console, whether or not the console is redirected (tests).</summary>
    internal TextWriter? ProgressConsole { get; init; }

    /// <summary>Where one line per epoch (and the progress lines) are written; null (the default) for silence.</summary>
    public TextWriter? Output { get; init; }

    /// <summary>
    /// The prefix of the validation metrics' names: <c>val</c> (the default) gives <c>val_loss</c> and
    /// <c>val_accuracy</c>; a run that validates on its test set may call them <c>test</c>. Letters, digits and
    /// underscores, not <c>train</c>.
    /// </summary>
    public string ValidationName { get; init; } = "val";

    /// <summary>
    /// Keep training when a batch's loss (or, with <see cref="ClipGradNorm"/>, its gradient norm) is NaN or infinite.
    /// False (the default) stops <see cref="Trainer.Fit"/> at the first such batch, before its optimizer step, with a
    /// <see cref="NonFiniteLossException"/> naming the epoch and the batch.
    /// </summary>
    public bool AllowNonFinite { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the option and its value when an option is out of range.</summary>
    internal void Validate()
    {
        if (ClipGradNorm is { } clip && !(clip > 0 && double.IsFinite(clip)))
            throw new ArgumentException($"TrainerOptions: ClipGradNorm must be a finite number > 0 (or null for no clipping), got {clip.ToString(CultureInfo.InvariantCulture)}.", "options");
        if (LogInterval < 0)
            throw new ArgumentException($"TrainerOptions: LogInterval must be at least 0, got {LogInterval}.", "options");
        if (string.IsNullOrEmpty(ValidationName) || ValidationName == "train" || !ValidationName.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            throw new ArgumentException($"TrainerOptions: ValidationName must be letters, digits or underscores and not 'train', got '{ValidationName}'.", "options");
    }
}
