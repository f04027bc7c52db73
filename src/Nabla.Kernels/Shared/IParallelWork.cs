namespace Nabla.Kernels;

/// <summary>
/// The items of one parallel kernel call, as a struct that carries the call's operands and sizes, so that handing
/// it to the worker threads through <see cref="ParallelJob{TWork}"/> allocates nothing and the JIT specializes the
/// loop for each kind of work.
/// </summary>
internal interface IParallelWork
{
    /// <summary>
    /// Runs item <paramref name="item"/>. Distinct items run concurrently on different threads against the same
    /// instance, so an implementation reads its fields and never writes them.
    /// </summary>
    void Run(int item);
}
