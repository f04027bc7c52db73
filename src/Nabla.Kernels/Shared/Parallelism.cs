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
    private static int s_numThreads;
    private static Worker[] s_workers = [];
    private static Job[] s_jobs = [];

    [ThreadStatic]
    private static bool s_insideBody;

    /// <summary>
    /// Number of threads the kernels may use. By default the processors this process may run on,
    /// <see cref="Environment.ProcessorCount"/>, which .NET derives from the affinity mask and the cgroup CPU quota
    /// (so <c>taskset -c 0</c> or a one-CPU container gives 1); the environment variable <c>NABLA_NUM_THREADS</c>
    /// lowers it, and is capped at that count, since a worker beyond the cores only waits its turn on one. A value set
    /// here is taken as it is, above the core count too (tests use that to oversubscribe on purpose).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value set is less than 1.</exception>
    /// <exception cref="InvalidOperationException"><c>NABLA_NUM_THREADS</c> is set but not a positive integer.</exception>
    public static int NumThreads
    {
        get
        {
            int threads = Volatile.Read(ref s_numThreads);
            if (threads > 0)
                return threads;

            Interlocked.CompareExchange(ref s_numThreads, ThreadsFromEnvironment(Environment.GetEnvironmentVariable("NABLA_NUM_THREADS"), Environment.ProcessorCount), 0);
            return Volatile.Read(ref s_numThreads);
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(NumThreads));
            Volatile.Write(ref s_numThreads, value);
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
        if (threads <= 1 || s_insideBody || !Gate.TryEnter())
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
                s_workers[w].Post(job);
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
        bool outer = !s_insideBody;
        s_insideBody = true;
        try
        {
            for (int i = 0; i < count; i++)
                body(i);
        }
        finally
        {
            s_insideBody = !outer;
        }
    }

    private static void EnsureWorkers(int helpers)
    {
        if (s_workers.Length >= helpers)
            return;

        var grown = new Worker[helpers];
        Array.Copy(s_workers, grown, s_workers.Length);
        for (int w = s_workers.Length; w < helpers; w++)
            grown[w] = new Worker(w + 1);

        s_workers = grown;
    }

    /// <summary>A job no thread still refers to; a worker that woke too late may hold the previous one for a while.</summary>
    private static Job RentJob()
    {
        foreach (var job in s_jobs)
        {
            if (job.IsFree)
                return job;
        }

        var fresh = new Job();
        s_jobs = [.. s_jobs, fresh];
        return fresh;
    }

    /// <summary>
    /// The thread count for the value <paramref name="text"/> of <c>NABLA_NUM_THREADS</c> (null or blank when unset) on a process
    /// that may run on <paramref name="processors"/> processors: all of them when unset, else the value, at most that.
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="text"/> is not a positive integer.</exception>
    internal static int ThreadsFromEnvironment(string? text, int processors)
    {
        processors = Math.Max(1, processors);
        if (string.IsNullOrWhiteSpace(text))
            return processors;

        if (!int.TryParse(text.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int value) || value < 1)
            throw new InvalidOperationException($"NABLA_NUM_THREADS must be a positive integer, got '{text}'.");

        return Math.Min(value, processors);
    }

    /// <summary>
    /// One call of <see cref="For"/>. Threads claim indices until none are left; the caller waits for claimed
    /// indices to finish, never for a worker that has not shown up, so a descheduled worker cannot stall a call.
    /// </summary>
    private sealed class Job
    {
        private Action<int>? _body;
        private int _count;
        private int _next;
        private int _finished;
        private int _references;

        private ExceptionDispatchInfo? _error;

        public ExceptionDispatchInfo? Error => _error;

        public bool IsFree => Volatile.Read(ref _references) == 0;

        public void Start(Action<int> work, int items, int threads)
        {
            _body = work;
            _count = items;
            _next = 0;
            _finished = 0;
            _error = null;
            Volatile.Write(ref _references, threads);
        }

        public void RunItems()
        {
            // The body is read only after an index is claimed: a worker that arrives after the last index was
            // claimed may find the body already released by the caller.
            Action<int>? work = null;
            s_insideBody = true;
            try
            {
                int i;
                while ((i = Interlocked.Increment(ref _next) - 1) < _count)
                {
                    work ??= _body!;
                    try
                    {
                        work(i);
                    }
                    catch (Exception e)
                    {
                        Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null);

                        // Unclaimed indices count as finished so that the caller stops waiting for them.
                        int claimed = Math.Min(Interlocked.Exchange(ref _next, _count), _count);
                        Interlocked.Add(ref _finished, _count - claimed);
                    }

                    Interlocked.Increment(ref _finished);
                }
            }
            finally
            {
                s_insideBody = false;
            }
        }

        /// <summary>Waits until every index has run, then drops the body so that it does not outlive the call.</summary>
        public void WaitForItems()
        {
            var wait = default(SpinWait);
            while (Volatile.Read(ref _finished) < _count)
                wait.SpinOnce(sleep1Threshold: -1);

            _body = null;
        }

        public void Leave() => Interlocked.Decrement(ref _references);
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable",
        Justification = "A worker and its semaphore live as long as the process; its background thread never ends.")]
    private sealed class Worker
    {
        private readonly SemaphoreSlim _wakeUp = new(0);
        private Job? _posted;
        private int _sleeping;

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Nabla worker {index}" };
            thread.Start();
        }

        /// <summary>Hands a job to this worker, taking back a previous one it never picked up.</summary>
        public void Post(Job job)
        {
            Interlocked.Exchange(ref _posted, job)?.Leave();
            if (Interlocked.Exchange(ref _sleeping, 0) == 1)
                _wakeUp.Release();
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
                    if (Volatile.Read(ref _posted) is not null && Interlocked.Exchange(ref _posted, null) is { } job)
                        return job;

                    Thread.SpinWait(8);
                    if ((spins & 63) == 0)
                    {
                        if (Stopwatch.GetTimestamp() > deadline)
                            break;

                        // Lets a thread that is ready to run (a data loader preparing the next batch, the JIT's
                        // background compiler) have this core while it idles, rather than wait for the caller's.
                        Thread.Yield();
                    }
                }

                // Announce the sleep before the last look for a job; Post clears the flag before releasing, so
                // exactly one side consumes the announcement and no wake-up is lost or left over.
                Interlocked.Exchange(ref _sleeping, 1);
                if (Volatile.Read(ref _posted) is not null && Interlocked.Exchange(ref _sleeping, 0) == 1)
                    continue;

                _wakeUp.Wait();
            }
        }
    }
}
