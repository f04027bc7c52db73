namespace Nabla.Optim.Schedulers;

/// <summary>
/// A schedule setting given either once for all parameter groups or once per group, like PyTorch's
/// "float or list" arguments: <c>maxLR: 0.1</c> or <c>maxLR: new[] { 0.1, 0.01 }</c>.
/// </summary>
public readonly struct GroupValues
{
    private readonly double _value;
    private readonly double[]? _values;

    private GroupValues(double value, double[]? values)
    {
        _value = value;
        _values = values;
    }

    /// <summary>The same value for every group.</summary>
    public static implicit operator GroupValues(double value) => new(value, null);

    /// <summary>One value per group, in group order.</summary>
    public static implicit operator GroupValues(double[] values) => new(0, (double[])(values ?? throw new ArgumentNullException(nameof(values))).Clone());

    /// <summary>The value for each of <paramref name="groupCount"/> groups, checking a per-group list's length.</summary>
    internal double[] ForGroups(string scheduler, string argument, int groupCount)
    {
        if (_values is null) return Enumerable.Repeat(_value, groupCount).ToArray();
        if (_values.Length != groupCount)
            throw new ArgumentException($"{scheduler}: expected {groupCount} values for {argument} (one per parameter group), got {_values.Length}.", argument);
        return (double[])_values.Clone();
    }
}
