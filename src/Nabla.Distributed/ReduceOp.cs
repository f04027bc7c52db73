namespace Nabla.Distributed;

/// <summary>How <see cref="ProcessGroup.AllReduce"/> combines the ranks' values, element by element.</summary>
public enum ReduceOp
{
    /// <summary>The sum over the ranks.</summary>
    Sum,

    /// <summary>The sum over the ranks divided by the world size (floating-point tensors only).</summary>
    Average,

    /// <summary>The largest value over the ranks.</summary>
    Max,

    /// <summary>The smallest value over the ranks.</summary>
    Min,
}
