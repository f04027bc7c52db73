namespace Nabla.Data;

/// <summary>Gives each random data component its own generator, so that a background loader thread never shares one with the training loop.</summary>
internal static class OwnGenerator
{
    /// <summary><paramref name="generator"/> if given, else a new generator seeded from <see cref="Generator.Default"/> (deterministic under <see cref="Generator.ManualSeed"/>).</summary>
    public static Generator Or(Generator? generator) => generator ?? new Generator(Generator.Default.NextUInt64());
}
