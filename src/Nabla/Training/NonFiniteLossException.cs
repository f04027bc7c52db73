namespace Nabla.Training;

/// <summary>
/// Thrown by <see cref="Trainer.Fit"/> when a batch's loss or gradient norm is NaN or infinite (unless
/// <see cref="TrainerOptions.AllowNonFinite"/>); the parameters are those before that batch's optimizer step.
/// </summary>
public sealed class NonFiniteLossException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="epoch"/> and <paramref name="batch"/> (both counted from 1).</summary>
    public NonFiniteLossException(string message, int epoch, int batch) : base(message)
    {
        Epoch = epoch;
        Batch = batch;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public NonFiniteLossException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public NonFiniteLossException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception without a message.</summary>
    public NonFiniteLossException() { }

    /// <summary>The epoch (from 1, over the whole run) whose batch was not finite.</summary>
    public int Epoch { get; }

    /// <summary>The batch within the epoch (from 1) that was not finite.</summary>
    public int Batch { get; }
}
