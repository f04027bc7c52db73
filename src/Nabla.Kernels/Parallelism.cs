using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Nabla.Kernels;

/// <summary>
/// Process-wide degree of parallelism for the CPU kernels, and a loop that spreads work over a small pool of
/// persistent worker threads. Workers spin briefly between calls so that back-to-back kernels start in well under a
/// microsecond, then sleep, so an idle process costs nothing.
/// </summary>
public static class Parallelism
{
    // How long an idle worker keeps polling for the next call before it blocks: long enough to bridge the gap
    // between the kernels of one training step, short enough not to burn a core when the process goes quiet.
    private static readonly long SpinTicks = Stopwatch.Frequency / 1000;

    private static readonly Lock Gate = new();
    private static int numThreads = ReadEnvironment();
    private static Worker[] workers = [];

    // The one call in flight; only the thread holding Gate writes these, and only while no worker is active.
    private static Action<int>? jobBody;
    private static int jobCount;
    private static int jobNext;
    private static int jobActiveWorkers;
    private static ExceptionDispatchInfo? jobError;

    [ThreadStatic]
    private static bool insideBody;

    /// <summary>
    /// Number of threads the kernels may use: the environment variable <c>NABLA_NUM_THREADS</c> when it is set to a
    /// positive integer, otherwise <see cref="Environment.ProcessorCount"/>. Settable at run time.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value set is less than 1.</exception>
    public static int NumThreads
    {
        get => Volatile.Read(ref numThreads);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(NumThreads));
            Volatile.Write(ref numThreads, value);
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/>(i) for every i in [0, <paramref name="count"/>), spread over up to
    /// <see cref="NumThreads"/> threads with the calling thread taking part, and returns when all have finished.
    /// Runs inline when <paramref name="count"/> &lt;= 1, when <see cref="NumThreads"/> is 1, when called from inside
    /// another <see cref="For"/> body, or while another thread's call occupies the pool. The first exception thrown
    /// by a body is rethrown to the caller after the remaining indices have been given up.
    /// </summary>
    public static void For(int count, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        int threads = Math.Min(NumThreads, count);
        if (threads <= 1 || insideBody || !Gate.TryEnter())
        {
            RunInline(count, body);
            return;
        }

        try
        {
            int helpers = threads - 1;
            EnsureWorkers(helpers);
            jobBody = body;
            jobCount = count;
            jobNext = 0;
            jobError = null;
            Volatile.Write(ref jobActiveWorkers, helpers);
            for (int w = 0; w < helpers; w++)
            {
                workers[w].Wake();
            }

            RunItems();
            var wait = default(SpinWait);
            while (Volatile.Read(ref jobActiveWorkers) != 0)
            {
                wait.SpinOnce(sleep1Threshold: -1);
            }

            jobBody = null;
            jobError?.Throw();
        }
        finally
        {
            Gate.Exit();
        }
    }

    private static void RunInline(int count, Action<int> body)
    {
        bool outer = !insideBody;
        insideBody = true;
        try
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }
        }
        finally
        {
            insideBody = !outer;
        }
    }

    private static void RunItems()
    {
        var body = jobBody!;
        int count = jobCount;
        insideBody = true;
        try
        {
            int i;
            while ((i = Interlocked.Increment(ref jobNext) - 1) < count)
            {
                body(i);
            }
        }
        catch (Exception e)
        {
            Volatile.Write(ref jobNext, count);
            Interlocked.CompareExchange(ref jobError, ExceptionDispatchInfo.Capture(e), null);
        }
        finally
        {
            insideBody = false;
        }
    }

    private static void EnsureWorkers(int helpers)
    {
        if (workers.Length >= helpers)
        {
            return;
        }

        var grown = new Worker[helpers];
        Array.Copy(workers, grown, workers.Length);
        for (int w = workers.Length; w < helpers; w++)
        {
            grown[w] = new Worker(w + 1);
        }

        workers = grown;
    }

    private static int ReadEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable("NABLA_NUM_THREADS");
        return int.TryParse(text, out int value) && value >= 1 ? value : Environment.ProcessorCount;
    }

    private sealed class Worker
    {
        private readonly SemaphoreSlim wakeUp = new(0);
        private int ticket;
        private int sleeping;

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Nabla worker {index}" };
            thread.Start();
        }

        /// <summary>Hands the current call to this worker; the caller holds the gate.</summary>
        public void Wake()
        {
            Volatile.Write(ref ticket, ticket + 1);
            if (Interlocked.Exchange(ref sleeping, 0) == 1)
            {
                wakeUp.Release();
            }
        }

        private void Loop()
        {
            int seen = 0;
            while (true)
            {
                seen = WaitForTicket(seen);
                RunItems();
                Interlocked.Decrement(ref jobActiveWorkers);
            }
        }

        private int WaitForTicket(int seen)
        {
            while (true)
            {
                long deadline = Stopwatch.GetTimestamp() + SpinTicks;
                int spins = 0;
                while (true)
                {
                    int current = Volatile.Read(ref ticket);
                    if (current != seen)
                    {
                        return current;
                    }

                    Thread.SpinWait(8);
                    if ((++spins & 63) == 0 && Stopwatch.GetTimestamp() > deadline)
                    {
                        break;
                    }
                }

                // Announce the sleep before the last look at the ticket; Wake clears the flag before releasing, so
                // exactly one side consumes the announcement and no wake-up is lost or left over.
                Interlocked.Exchange(ref sleeping, 1);
                if (Volatile.Read(ref ticket) != seen && Interlocked.Exchange(ref sleeping, 0) == 1)
                {
                    continue;
                }

                wakeUp.Wait();
            }
        }
    }
}
