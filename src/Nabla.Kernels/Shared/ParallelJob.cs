namespace Nabla.Kernels;

/// <summary>
/// Spreads the items of an <see cref="IParallelWork"/> over <see cref="Parallelism.For"/> through a delegate cached
/// per calling thread, so that steady-state kernel calls allocate nothing.
/// </summary>
/// <typeparam name="TWork">The work; one cached delegate per calling thread exists for each work type.</typeparam>
internal static class ParallelJob<TWork>
    where TWork : struct, IParallelWork
{
    [ThreadStatic]
    private static Runner? s_idle;

    /// <summary>
    /// Runs <paramref name="work"/>.Run(i) for every i in [0, <paramref name="count"/>) and returns when all have
    /// finished. A single item runs directly on the calling thread rather than inside <see cref="Parallelism.For"/>,
    /// which would count the kernels it calls as nested and keep them on one thread.
    /// </summary>
    public static void For(int count, in TWork work)
    {
        if (count == 1)
        {
            work.Run(0);
            return;
        }

        // A re-entrant call on this thread finds the slot empty and takes a fresh runner.
        var runner = s_idle ?? new Runner();
        s_idle = null;
        runner.Work = work;
        Parallelism.For(count, runner.Body);
        runner.Work = default;
        s_idle = runner;
    }

    private sealed class Runner
    {
        public TWork Work;

        public Runner() => Body = Run;

        public Action<int> Body { get; }

        private void Run(int item) => Work.Run(item);
    }
}
