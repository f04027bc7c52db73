using System.Globalization;
using Nabla.Data;
using Nabla.Distributed;
using Nabla.NN;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla train --distributed</c>: data-parallel training over the ranks that <c>mpirun -np N</c> started, one
/// process per rank (without mpirun, a single process trains the same way). MPI is loaded only here, and only when
/// the process was started by mpirun, so the command needs no MPI otherwise.
/// <para>
/// <c>--batch-size</c> is the batch of all ranks together: each rank takes its share (batch / N, so N must divide it)
/// of every batch of one shuffled order of the training set (<see cref="DistributedSampler"/>, the same order for any
/// N), and <see cref="DistributedDataParallel"/> averages the gradients, so N ranks train the model that one process
/// trains with the same settings, to float32 rounding, and a checkpoint resumes with any N. Only rank 0 prints and
/// writes the run directory; every rank reads a checkpoint to resume and evaluates the test set itself.
/// </para>
/// </summary>
internal sealed class DistributedTraining
{
    private readonly DistributedDataParallel _ddp;
    private readonly DistributedSampler _sampler;

    private DistributedTraining(DistributedDataParallel ddp, DistributedSampler sampler)
    {
        _ddp = ddp;
        _sampler = sampler;
    }

    /// <summary>
    /// Runs <paramref name="body"/> with this job's group when <paramref name="distributed"/>, or with null. A rank whose
    /// body failed ends the whole job (MPI_Abort) after writing its message, rather than leave the others waiting.
    /// </summary>
    public static int Run(bool distributed, TextWriter error, Func<ProcessGroup?, int> body)
    {
        if (!distributed) return body(null);
        ProcessGroup group;
        try
        {
            group = ProcessGroup.Init();
        }
        catch (DistributedException e)
        {
            error.WriteLine($"nabla train: {e.Message}");
            return NablaCli.UsageError;
        }
        int code = body(group);
        if (code != 0 && group.WorldSize > 1)
        {
            error.Flush();
            group.Abort(code);
        }
        group.Dispose();
        return code;
    }

    /// <summary>Rank 0 writes to <paramref name="output"/>; the other ranks are silent.</summary>
    public static TextWriter Output(ProcessGroup? group, TextWriter output) => group is null || group.IsMain ? output : TextWriter.Null;

    /// <summary>The examples of one rank per step: the global batch over the world size, which must divide it.</summary>
    public static int PerRankBatch(ProcessGroup group, int batchSize) => batchSize % group.WorldSize == 0
        ? batchSize / group.WorldSize
        : throw new UsageException($"--distributed: --batch-size {batchSize} is the batch of all {group.WorldSize} ranks together and must be a multiple of {group.WorldSize}.");

    /// <summary>
    /// Wraps <paramref name="model"/> (rank 0's weights and buffers to all ranks, gradients averaged in backward) and
    /// makes this rank's loader over its share of the training set.
    /// </summary>
    public static (DistributedTraining Training, DataLoader Loader) Start(ProcessGroup group, Module model, IDataset trainSet, int batchSize, ulong seed)
    {
        var ddp = new DistributedDataParallel(model, group);
        var sampler = new DistributedSampler(trainSet.Count, group, shuffle: true, seed: seed);
        var loader = new DataLoader(trainSet, PerRankBatch(group, batchSize), sampler: sampler);
        return (new DistributedTraining(ddp, sampler), loader);
    }

    /// <summary>
    /// Each epoch draws its own order of the training set (from the seed and the epoch number, so a resumed run draws
    /// the same), and after each step rank 0's buffers (batch norm's running statistics) are copied to all ranks, as
    /// DistributedDataParallel does before each forward pass.
    /// </summary>
    public Callback Callback() => new LambdaCallback(
        onEpochBegin: (_, epoch) => _sampler.SetEpoch(epoch),
        onBatchEnd: (_, _) => _ddp.BroadcastBuffers());

    /// <summary>
    /// Ends synchronisation, so that rank 0 alone may run the backward pass of the graph it draws, and reports the
    /// time rank 0 spent in MPI: the communication that the backward pass did not hide.
    /// </summary>
    public void Finish(TextWriter output)
    {
        _ddp.RemoveHooks();
        var stats = _ddp.Group.Stats;
        if (_ddp.Group.WorldSize > 1)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"communication on rank 0: {stats.Time.TotalSeconds:F2} s in MPI over {stats.Collectives:N0} collectives of {stats.Bytes / 1e6:F1} MB ({_ddp.Buckets.Count} gradient bucket(s) per step)"));
        }
    }

    /// <summary>The summary line's words for the ranks.</summary>
    public string Describe(int batchSize) => $", {_ddp.Group.WorldSize} rank(s) × batch {batchSize / _ddp.Group.WorldSize}";
}
