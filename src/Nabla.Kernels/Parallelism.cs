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
    private static Job[] jobs = [];

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
    /// another <see cref="For"/> body, or while another thread is handing out its own call. Concurrent calls share
    /// the workers and never wait for each other. The first exception thrown by a body is rethrown to the caller;
    /// indices not yet started are then skipped.
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

        Job job;
        try
        {
            int helpers = threads - 1;
            EnsureWorkers(helpers);
            job = RentJob();
            job.Start(body, count, helpers + 1);
            for (int w = 0; w < helpers; w++)
            {
                workers[w].Post(job);
            }
        }
        finally
        {
            Gate.Exit();
        }

        job.RunItems();
        job.WaitForItems();
        var error = job.Error;
        job.Leave();
        error?.Throw();
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

    /// <summary>A job no thread still refers to; a worker that woke too late may hold the previous one for a while.</summary>
    private static Job RentJob()
    {
        foreach (var job in jobs)
        {
            if (job.IsFree)
            {
                return job;
            }
        }

        var fresh = new Job();
        jobs = [.. jobs, fresh];
        return fresh;
    }

    private static int ReadEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable("NABLA_NUM_THREADS");
        return int.TryParse(text, out int value) && value >= 1 ? value : Environment.ProcessorCount;
    }

    /// <summary>
    /// One call of <see cref="For"/>. Threads claim indices until none are left; the caller waits for claimed
    /// indices to finish, never for a worker that has not shown up, so a descheduled worker cannot stall a call.
    /// </summary>
    private sealed class Job
    {
        private Action<int>? body;
        private int count;
        private int next;
        private int finished;
        private int references;

        private ExceptionDispatchInfo? error;

        public ExceptionDispatchInfo? Error => error;

        public bool IsFree => Volatile.Read(ref references) == 0;

        public void Start(Action<int> work, int items, int threads)
        {
            body = work;
            count = items;
            next = 0;
            finished = 0;
            error = null;
            Volatile.Write(ref references, threads);
        }

        public void RunItems()
        {
            // The body is read only after an index is claimed: a worker that arrives after the last index was
            // claimed may find the body already released by the caller.
            Action<int>? work = null;
            insideBody = true;
            try
            {
                int i;
                while ((i = Interlocked.Increment(ref next) - 1) < count)
                {
                    work ??= body!;
                    try
                    {
                        work(i);
                    }
                    catch (Exception e)
                    {
                        Interlocked.CompareExchange(ref error, ExceptionDispatchInfo.Capture(e), null);

                        // Unclaimed indices count as finished so that the caller stops waiting for them.
                        int claimed = Math.Min(Interlocked.Exchange(ref next, count), count);
                        Interlocked.Add(ref finished, count - claimed);
                    }

                    Interlocked.Increment(ref finished);
                }
            }
            finally
            {
                insideBody = false;
            }
        }

        /// <summary>Waits until every index has run, then drops the body so that it does not outlive the call.</summary>
        public void WaitForItems()
        {
            var wait = default(SpinWait);
            while (Volatile.Read(ref finished) < count)
            {
                wait.SpinOnce(sleep1Threshold: -1);
            }

            body = null;
        }

        public void Leave() => Interlocked.Decrement(ref references);
    }

    private sealed class Worker
    {
        private readonly SemaphoreSlim wakeUp = new(0);
        private Job? posted;
        private int sleeping;

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Nabla worker {index}" };
            thread.Start();
        }

        /// <summary>Hands a job to this worker, taking back a previous one it never picked up.</summary>
        public void Post(Job job)
        {
            Interlocked.Exchange(ref posted, job)?.Leave();
            if (Interlocked.Exchange(ref sleeping, 0) == 1)
            {
                wakeUp.Release();
            }
        }

        private void Loop()
        {
            while (true)
            {
                var job = WaitForJob();
                job.RunItems();
                job.Leave();
            }
        }

        private Job WaitForJob()
        {
            while (true)
            {
                long deadline = Stopwatch.GetTimestamp() + SpinTicks;
                for (int spins = 1; ; spins++)
                {
                    if (Volatile.Read(ref posted) is not null && Interlocked.Exchange(ref posted, null) is { } job)
                    {
                        return job;
                    }

                    Thread.SpinWait(8);
                    if ((spins & 63) == 0 && Stopwatch.GetTimestamp() > deadline)
                    {
                        break;
                    }
                }

                // Announce the sleep before the last look for a job; Post clears the flag before releasing, so
                // exactly one side consumes the announcement and no wake-up is lost or left over.
                Interlocked.Exchange(ref sleeping, 1);
                if (Volatile.Read(ref posted) is not null && Interlocked.Exchange(ref sleeping, 0) == 1)
                {
                    continue;
                }

                wakeUp.Wait();
            }
        }
    }
}
