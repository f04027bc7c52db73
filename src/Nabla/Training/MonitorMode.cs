namespace Nabla.Training;

/// <summary>Whether a monitored metric improves by falling or by rising (Keras's <c>mode</c>).</summary>
public enum MonitorMode
{
    /// <summary>Rising for metrics whose name contains <c>acc</c> (accuracies), falling for all others (losses).</summary>
    Auto,

    /// <summary>Lower is better.</summary>
    Min,

    /// <summary>Higher is better.</summary>
    Max,
}
