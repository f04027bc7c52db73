namespace Nabla.NN;

/// <summary>Python-style indexing of the module containers (<see cref="Sequential"/>, <see cref="ModuleList"/>).</summary>
internal static class ModuleIndex
{
    /// <summary>The module at <paramref name="index"/>, where a negative index counts from the end.</summary>
    /// <param name="modules">The container's modules, in order.</param>
    /// <param name="index">A position in [−Count, Count).</param>
    /// <param name="container">The container's name for the message.</param>
    public static Module At(List<Module> modules, int index, string container)
    {
        if (index < -modules.Count || index >= modules.Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"{container}: index {index} is out of range for {modules.Count} modules.");
        return modules[index < 0 ? index + modules.Count : index];
    }
}
