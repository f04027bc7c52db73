using System.Runtime.InteropServices;

namespace Nabla.Distributed;

/// <summary>
/// The thin layer over Open MPI's C library (<c>libmpi.so.40</c>, Debian's <c>libopenmpi3</c>), loaded on first use
/// with <see cref="NativeLibrary"/> so that nothing needs MPI until a distributed group is made. Each function is an
/// unmanaged function pointer taken from the library's exports; Open MPI's predefined handles (<c>MPI_COMM_WORLD</c>,
/// <c>MPI_FLOAT</c>, <c>MPI_SUM</c>, ...) are the addresses of exported objects (<c>ompi_mpi_comm_world</c>,
/// <c>ompi_mpi_float</c>, <c>ompi_mpi_op_sum</c>), since in its ABI every handle is a pointer. Only the calls the
/// process group needs are bound: initialisation, rank and size, the non-blocking collectives with
/// <c>MPI_Test</c> to drive and finish them, abort and finalize. Every call but <c>MPI_Abort</c> is checked: MPI's
/// default error handler aborts the job on an error, and any other non-zero code becomes a <see cref="DistributedException"/>.
/// </summary>
internal static unsafe class Mpi
{
    /// <summary>The library names tried in order: the runtime's soname first, then the development symlink.</summary>
    private static readonly string[] LibraryNames = ["libmpi.so.40", "libmpi.so", "libmpi.so.12", "libmpi.dylib"];

    public const int ThreadSerialized = 2;

    /// <summary><c>MPI_IN_PLACE</c> in Open MPI: the send buffer argument that means "the receive buffer".</summary>
    public static readonly nint InPlace = 1;

    private static readonly Lock Sync = new();
    private static nint s_library;

    public static nint CommWorld, Float, Double, Int64, Sum, Max, Min;

    public static delegate* unmanaged<int*, int> Initialized;
    public static delegate* unmanaged<int*, int> Finalized;
    public static delegate* unmanaged<int*, nint, int, int*, int> InitThread;
    public static delegate* unmanaged<int> FinalizeCall;
    public static delegate* unmanaged<nint, int*, int> CommRank;
    public static delegate* unmanaged<nint, int*, int> CommSize;
    public static delegate* unmanaged<nint, int, int> Abort;
    public static delegate* unmanaged<nint, void*, int, nint, nint, nint, nint*, int> Iallreduce;
    public static delegate* unmanaged<void*, int, nint, int, nint, nint*, int> Ibcast;
    public static delegate* unmanaged<void*, int, nint, void*, int, nint, nint, nint*, int> Iallgather;
    public static delegate* unmanaged<nint, nint*, int> Ibarrier;
    public static delegate* unmanaged<nint*, int*, nint, int> Test;

    /// <summary>Loads the library and binds every entry point, once; a missing library is a message saying what to install.</summary>
    public static void Load()
    {
        lock (Sync)
        {
            if (s_library != 0) return;
            nint library = 0;
            foreach (var name in LibraryNames)
                if (NativeLibrary.TryLoad(name, out library)) break;
            if (library == 0)
            {
                throw new DistributedException(
                    "ProcessGroup: the MPI library (libmpi.so.40) could not be loaded. Install Open MPI (Debian: apt-get install openmpi-bin) " +
                    "and start the program with mpirun, e.g. 'mpirun -np 2 dotnet app.dll'.");
            }
            nint Export(string symbol) => NativeLibrary.TryGetExport(library, symbol, out var address)
                ? address
                : throw new DistributedException($"ProcessGroup: the MPI library has no '{symbol}'; Nabla.Distributed needs Open MPI 4 or later (its handles are exported objects).");
            CommWorld = Export("ompi_mpi_comm_world");
            Float = Export("ompi_mpi_float");
            Double = Export("ompi_mpi_double");
            Int64 = Export("ompi_mpi_long_long_int");
            Sum = Export("ompi_mpi_op_sum");
            Max = Export("ompi_mpi_op_max");
            Min = Export("ompi_mpi_op_min");
            Initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
            Finalized = (delegate* unmanaged<int*, int>)Export("MPI_Finalized");
            InitThread = (delegate* unmanaged<int*, nint, int, int*, int>)Export("MPI_Init_thread");
            FinalizeCall = (delegate* unmanaged<int>)Export("MPI_Finalize");
            CommRank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
            CommSize = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
            Abort = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
            Iallreduce = (delegate* unmanaged<nint, void*, int, nint, nint, nint, nint*, int>)Export("MPI_Iallreduce");
            Ibcast = (delegate* unmanaged<void*, int, nint, int, nint, nint*, int>)Export("MPI_Ibcast");
            Iallgather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, nint*, int>)Export("MPI_Iallgather");
            Ibarrier = (delegate* unmanaged<nint, nint*, int>)Export("MPI_Ibarrier");
            Test = (delegate* unmanaged<nint*, int*, nint, int>)Export("MPI_Test");
            s_library = library;
        }
    }

    /// <summary>Throws when an MPI call returned an error code (only reached if the error handler lets it return).</summary>
    public static void Check(int code, string call)
    {
        if (code != 0) throw new DistributedException($"ProcessGroup: {call} failed with MPI error code {code}.");
    }

    /// <summary>Checks that the collectives carry <paramref name="dtype"/>, and gives its MPI handle when MPI is in use (0 otherwise).</summary>
    public static nint DataTypeOrLocal(DType dtype, string op, bool usesMpi)
    {
        if (dtype is not (DType.Float32 or DType.Float64 or DType.Int64))
            throw new ArgumentException($"ProcessGroup.{op}: only float32, float64 and int64 tensors can be communicated, got {dtype.Name()}.");
        return usesMpi ? DataType(dtype, op) : 0;
    }

    /// <summary>The MPI datatype handle of a tensor dtype the collectives carry.</summary>
    public static nint DataType(DType dtype, string op) => dtype switch
    {
        DType.Float32 => Float,
        DType.Float64 => Double,
        DType.Int64 => Int64,
        _ => throw new ArgumentException($"ProcessGroup.{op}: only float32, float64 and int64 tensors can be communicated, got {dtype.Name()}."),
    };
}
