using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Nabla.Distributed;

/// <summary>
/// The processes of one distributed job and the collectives between them, like <c>torch.distributed</c>'s default
/// process group over MPI:
/// <code>
/// using var group = ProcessGroup.Init();          // under mpirun: MPI_COMM_WORLD; otherwise one process
/// group.AllReduce(t, ReduceOp.Average);           // in place, every rank ends with the mean
/// group.Broadcast(t, root: 0);                    // in place, every rank ends with rank 0's values
/// var all = group.AllGather(t);                   // [WorldSize, ...t.Shape], rank r's tensor at index r
/// </code>
/// Started by <c>mpirun -np N</c>, the group is Open MPI's world of N ranks; started any other way it is a group of
/// one process whose collectives return their input unchanged, so the same program runs without MPI installed.
/// Every rank must call the same collectives in the same order with tensors of the same shape and dtype (float32,
/// float64 or int64). A collective that has not finished after <see cref="Timeout"/> (another rank died or hung)
/// throws a <see cref="DistributedException"/>, and disposing the group then aborts the job instead of waiting for
/// the others. Calls are serialised by a lock, so any one thread at a time may use the group.
/// </summary>
public sealed unsafe class ProcessGroup : IDisposable
{
    /// <summary>The default time a collective may take before it is declared failed, as PyTorch's default process group.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    private static readonly Lock InitSync = new();
    private static bool s_mpiUsed;

    private readonly Lock _sync = new();
    private readonly long _timeoutTicks;
    private bool _disposed, _failed;
    private long _collectives, _bytes, _ticks;

    private ProcessGroup(int rank, int worldSize, bool usesMpi, TimeSpan timeout)
    {
        Rank = rank;
        WorldSize = worldSize;
        UsesMpi = usesMpi;
        Timeout = timeout;
        _timeoutTicks = timeout == System.Threading.Timeout.InfiniteTimeSpan ? long.MaxValue : (long)(timeout.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>This process's index in the group, from 0 to <see cref="WorldSize"/> − 1.</summary>
    public int Rank { get; }

    /// <summary>The number of processes in the group.</summary>
    public int WorldSize { get; }

    /// <summary>True when the group is MPI's world; false for the group of one process made without mpirun.</summary>
    public bool UsesMpi { get; }

    /// <summary>The time a collective may take before it fails with a <see cref="DistributedException"/>.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>True on rank 0, the rank that by convention prints and writes files.</summary>
    public bool IsMain => Rank == 0;

    /// <summary>
    /// True when this process was started by an MPI launcher (Open MPI's mpirun sets <c>OMPI_COMM_WORLD_SIZE</c>; PMI
    /// and PMIx launchers set <c>PMI_SIZE</c> or <c>PMIX_RANK</c>).
    /// </summary>
    public static bool LaunchedByMpi =>
        Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null
        || Environment.GetEnvironmentVariable("PMIX_RANK") is not null
        || Environment.GetEnvironmentVariable("PMI_SIZE") is not null;

    /// <summary>
    /// The group of this job: MPI's world when the process was started by mpirun (MPI is initialised here, with
    /// <c>MPI_THREAD_SERIALIZED</c>), otherwise a group of one process that needs no MPI. MPI can be initialised once
    /// per process, so a second MPI group is refused.
    /// </summary>
    /// <param name="timeout">How long one collective may take; <see cref="DefaultTimeout"/> when null, <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> to wait forever.</param>
    /// <exception cref="DistributedException">Started by mpirun but the MPI library cannot be loaded or initialised.</exception>
    public static ProcessGroup Init(TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        if (limit <= TimeSpan.Zero && limit != System.Threading.Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), $"ProcessGroup.Init: the timeout must be positive, got {limit}.");
        return LaunchedByMpi ? InitMpi(limit) : new ProcessGroup(0, 1, usesMpi: false, limit);
    }

    /// <summary>A group of this one process, whatever launched it: its collectives return their input unchanged.</summary>
    public static ProcessGroup Single() => new(0, 1, usesMpi: false, DefaultTimeout);

    private static ProcessGroup InitMpi(TimeSpan timeout)
    {
        lock (InitSync)
        {
            if (s_mpiUsed)
                throw new InvalidOperationException("ProcessGroup.Init: MPI was already initialised in this process, and MPI can be initialised only once; pass the existing group on.");
            Mpi.Load();
            int initialized, provided, rank, size;
            Mpi.Check(Mpi.Initialized(&initialized), "MPI_Initialized");
            if (initialized != 0) throw new InvalidOperationException("ProcessGroup.Init: MPI was initialised by other code in this process; Nabla.Distributed initialises it itself.");
            Mpi.Check(Mpi.InitThread(null, 0, Mpi.ThreadSerialized, &provided), "MPI_Init_thread");
            s_mpiUsed = true;
            Mpi.Check(Mpi.CommRank(Mpi.CommWorld, &rank), "MPI_Comm_rank");
            Mpi.Check(Mpi.CommSize(Mpi.CommWorld, &size), "MPI_Comm_size");
            if (provided < Mpi.ThreadSerialized)
            {
                Mpi.Abort(Mpi.CommWorld, 1);
                throw new DistributedException($"ProcessGroup.Init: this MPI provides thread level {provided}, but Nabla.Distributed needs MPI_THREAD_SERIALIZED ({Mpi.ThreadSerialized}).");
            }
            return new ProcessGroup(rank, size, usesMpi: true, timeout);
        }
    }

    /// <summary>What the collectives have cost so far on this rank.</summary>
    public CommunicationStats Stats
    {
        get
        {
            lock (_sync) return new CommunicationStats(_collectives, _bytes, TimeSpan.FromSeconds((double)_ticks / Stopwatch.Frequency));
        }
    }

    /// <summary>Sets <see cref="Stats"/> back to zero, e.g. after a warm-up.</summary>
    public void ResetStats()
    {
        lock (_sync) _collectives = _bytes = _ticks = 0;
    }

    /// <summary>
    /// Combines <paramref name="tensor"/> over all ranks element by element, in place (MPI_Allreduce), and returns it.
    /// Every rank then holds the same result. Autograd does not see the write.
    /// </summary>
    /// <param name="tensor">A float32, float64 or int64 tensor of the same shape on every rank.</param>
    /// <param name="op">The reduction; <see cref="ReduceOp.Average"/> divides the sum by <see cref="WorldSize"/>.</param>
    public Tensor AllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        nint type = Mpi.DataTypeOrLocal(tensor.DType, "AllReduce", UsesMpi);
        if (op == ReduceOp.Average && tensor.DType == DType.Int64)
            throw new ArgumentException("ProcessGroup.AllReduce: ReduceOp.Average needs a floating-point tensor, got int64; use ReduceOp.Sum and divide.", nameof(op));
        if (WorldSize == 1) return tensor;
        return InPlace(tensor, "AllReduce", t =>
        {
            var bytes = Bytes(t);
            fixed (byte* p = bytes)
            {
                nint request;
                Start(Mpi.Iallreduce(Mpi.InPlace, p, t.Numel, type, Operation(op), Mpi.CommWorld, &request), "MPI_Iallreduce");
                Wait(ref request, "AllReduce", bytes.Length);
            }
            if (op == ReduceOp.Average) Scale(t, 1.0 / WorldSize);
        });
    }

    /// <summary>Overwrites <paramref name="tensor"/> on every rank with rank <paramref name="root"/>'s values (MPI_Bcast) and returns it.</summary>
    /// <param name="tensor">A float32, float64 or int64 tensor of the same shape on every rank.</param>
    /// <param name="root">The rank whose values are sent.</param>
    public Tensor Broadcast(Tensor tensor, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        nint type = Mpi.DataTypeOrLocal(tensor.DType, "Broadcast", UsesMpi);
        if ((uint)root >= (uint)WorldSize) throw new ArgumentOutOfRangeException(nameof(root), $"ProcessGroup.Broadcast: root {root} is not a rank of this group of {WorldSize}.");
        if (WorldSize == 1) return tensor;
        return InPlace(tensor, "Broadcast", t =>
        {
            var bytes = Bytes(t);
            fixed (byte* p = bytes)
            {
                nint request;
                Start(Mpi.Ibcast(p, t.Numel, type, root, Mpi.CommWorld, &request), "MPI_Ibcast");
                Wait(ref request, "Broadcast", bytes.Length);
            }
        });
    }

    /// <summary>
    /// Every rank's <paramref name="tensor"/>, stacked in rank order into a new tensor of shape
    /// [<see cref="WorldSize"/>, ...tensor.Shape] (MPI_Allgather).
    /// </summary>
    /// <param name="tensor">A float32, float64 or int64 tensor of the same shape on every rank.</param>
    public Tensor AllGather(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        nint type = Mpi.DataTypeOrLocal(tensor.DType, "AllGather", UsesMpi);
        var source = tensor.Detach().Contiguous();
        int[] shape = [WorldSize, .. tensor.Shape];
        var result = Tensor.Empty(shape, tensor.DType);
        if (WorldSize == 1)
        {
            Bytes(source).CopyTo(Bytes(result));
            return result;
        }
        var send = Bytes(source);
        var receive = Bytes(result);
        fixed (byte* s = send)
        fixed (byte* r = receive)
        {
            lock (_sync)
            {
                CheckUsable("AllGather");
                long start = Stopwatch.GetTimestamp();
                nint request;
                Start(Mpi.Iallgather(s, tensor.Numel, type, r, tensor.Numel, type, Mpi.CommWorld, &request), "MPI_Iallgather");
                WaitLocked(ref request, "AllGather", start, receive.Length);
            }
        }
        return result;
    }

    /// <summary>Returns when every rank has called it (MPI_Barrier).</summary>
    public void Barrier()
    {
        if (WorldSize == 1) return;
        nint request;
        lock (_sync)
        {
            CheckUsable("Barrier");
            long start = Stopwatch.GetTimestamp();
            Start(Mpi.Ibarrier(Mpi.CommWorld, &request), "MPI_Ibarrier");
            WaitLocked(ref request, "Barrier", start, 0);
        }
    }

    /// <summary>
    /// Ends the whole job at once (MPI_Abort): every rank exits with <paramref name="errorCode"/>. For a failure on one
    /// rank that the others cannot know of; write the reason first, since this process does not return. A group of one
    /// process just exits.
    /// </summary>
    public void Abort(int errorCode = 1)
    {
        _failed = true;
        if (UsesMpi) Mpi.Abort(Mpi.CommWorld, errorCode);
        Environment.Exit(errorCode);
    }

    /// <summary>
    /// Leaves the group: MPI_Finalize for MPI's world, after which no collective can be called. After a collective
    /// failed (a timeout), the job is aborted instead, since the other ranks may never arrive.
    /// </summary>
    public void Dispose()
    {
        lock (_sync)
        {
            if (_disposed) return;
            _disposed = true;
            if (!UsesMpi) return;
            if (_failed) Mpi.Abort(Mpi.CommWorld, 1);
            int finalized;
            Mpi.Check(Mpi.Finalized(&finalized), "MPI_Finalized");
            if (finalized == 0) Mpi.Check(Mpi.FinalizeCall(), "MPI_Finalize");
        }
    }

    /// <summary>Starts an in-place sum over all ranks of <paramref name="count"/> elements at pinned memory; finish it with <see cref="Test"/> or <see cref="Wait(ref nint, string)"/>.</summary>
    internal nint StartAllReduceSum(void* data, int count, DType dtype, int bytes)
    {
        lock (_sync)
        {
            CheckUsable("AllReduce");
            long start = Stopwatch.GetTimestamp();
            nint request;
            Start(Mpi.Iallreduce(Mpi.InPlace, data, count, Mpi.DataType(dtype, "AllReduce"), Mpi.Sum, Mpi.CommWorld, &request), "MPI_Iallreduce");
            _collectives++;
            _bytes += bytes;
            _ticks += Stopwatch.GetTimestamp() - start;
            return request;
        }
    }

    /// <summary>Lets MPI progress a started collective; true (and the request cleared) once it has finished.</summary>
    internal bool Test(ref nint request)
    {
        if (request == 0) return true;
        lock (_sync)
        {
            long start = Stopwatch.GetTimestamp();
            int flag;
            fixed (nint* r = &request) Mpi.Check(Mpi.Test(r, &flag, 0), "MPI_Test");
            _ticks += Stopwatch.GetTimestamp() - start;
            return flag != 0;
        }
    }

    /// <summary>Waits for a started collective, for at most <see cref="Timeout"/>.</summary>
    internal void Wait(ref nint request, string op)
    {
        if (request == 0) return;
        lock (_sync) WaitLocked(ref request, op, Stopwatch.GetTimestamp(), 0, count: false);
    }

    private void Wait(ref nint request, string op, int bytes)
    {
        lock (_sync)
        {
            CheckUsable(op);
            WaitLocked(ref request, op, Stopwatch.GetTimestamp(), bytes);
        }
    }

    /// <summary>
    /// Polls MPI_Test until the request finishes: MPI_Wait would block without a bound, while a rank that died must
    /// fail the others in bounded time. Spinning first keeps the latency of short collectives low; yielding later
    /// leaves the core to other work on a busy machine.
    /// </summary>
    private void WaitLocked(ref nint request, string op, long start, int bytes, bool count = true)
    {
        long deadline = _timeoutTicks == long.MaxValue ? long.MaxValue : start + _timeoutTicks;
        int flag = 0;
        for (int spin = 0; ; spin++)
        {
            fixed (nint* r = &request) Mpi.Check(Mpi.Test(r, &flag, 0), "MPI_Test");
            if (flag != 0) break;
            if (spin < 1000) continue;
            if (Stopwatch.GetTimestamp() > deadline)
            {
                _failed = true;
                throw new DistributedException(
                    $"ProcessGroup.{op}: rank {Rank} of {WorldSize} waited {Timeout} for the other ranks without the collective finishing; " +
                    "a rank has stopped, hung, or called a different collective. The job cannot go on; disposing the group aborts it.");
            }
            Thread.Yield();
        }
        if (count)
        {
            _collectives++;
            _bytes += bytes;
        }
        _ticks += Stopwatch.GetTimestamp() - start;
    }

    private static void Start(int code, string call) => Mpi.Check(code, call);

    private Tensor InPlace(Tensor tensor, string op, Action<Tensor> collective)
    {
        lock (_sync) CheckUsable(op);
        if (tensor.IsContiguous)
        {
            collective(tensor);
            tensor.Storage.Version++;
            return tensor;
        }
        var copy = tensor.Detach().Contiguous();
        collective(copy);
        using (Autograd.NoGrad()) tensor.CopyFrom(copy);
        return tensor;
    }

    private void CheckUsable(string op)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failed) throw new DistributedException($"ProcessGroup.{op}: an earlier collective failed on rank {Rank}; the group cannot be used any more.");
    }

    private static nint Operation(ReduceOp op) => op switch
    {
        ReduceOp.Sum or ReduceOp.Average => Mpi.Sum,
        ReduceOp.Max => Mpi.Max,
        ReduceOp.Min => Mpi.Min,
        _ => throw new ArgumentOutOfRangeException(nameof(op), $"ProcessGroup.AllReduce: unknown reduction {op}."),
    };

    /// <summary>The bytes of a contiguous tensor's elements within its storage.</summary>
    internal static Span<byte> Bytes(Tensor t)
    {
        int size = t.DType.ElementSize();
        return t.Storage.Reinterpret<byte>().Slice(t.Offset * size, t.Numel * size);
    }

    private static void Scale(Tensor t, double factor)
    {
        var bytes = Bytes(t);
        if (t.DType == DType.Float32)
        {
            var span = MemoryMarshal.Cast<byte, float>(bytes);
            TensorPrimitives.Multiply(span, (float)factor, span);
        }
        else
        {
            var span = MemoryMarshal.Cast<byte, double>(bytes);
            TensorPrimitives.Multiply(span, factor, span);
        }
    }
}
