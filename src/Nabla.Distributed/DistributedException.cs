namespace Nabla.Distributed;

/// <summary>
/// A failure of distributed training: MPI missing or not started, a collective that did not finish in time because
/// another rank stopped, or ranks that disagree (different models, say). The message names the operation and the rank.
/// </summary>
public sealed class DistributedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DistributedException() { }

    /// <summary>Creates the exception with its message.</summary>
    public DistributedException(string message) : base(message) { }

    /// <summary>Creates the exception with its message and cause.</summary>
    public DistributedException(string message, Exception innerException) : base(message, innerException) { }
}
