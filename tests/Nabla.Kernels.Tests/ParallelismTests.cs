namespace Nabla.Kernels.Tests;

[CollectionDefinition(nameof(Parallelism), DisableParallelization = true)]
public sealed class ParallelismCollection;

[Collection(nameof(Parallelism))]
public sealed class ParallelismTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    [InlineData(1, 100)]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    [InlineData(2, 1000)]
    [InlineData(4, 7)]
    public void ForRunsEveryIndexExactlyOnce(int threads, int count)
    {
        int saved = Parallelism.NumThreads;
        try
        {
            Parallelism.NumThreads = threads;
            for (int repeat = 0; repeat < 50; repeat++)
            {
                var hits = new int[count];
                Parallelism.For(count, i => Interlocked.Increment(ref hits[i]));
                Assert.All(hits, h => Assert.Equal(1, h));
            }
        }
        finally
        {
            Parallelism.NumThreads = saved;
        }
    }

    [Fact]
    public void ForUsesSeveralThreadsWhenAllowed()
    {
        int saved = Parallelism.NumThreads;
        try
        {
            Parallelism.NumThreads = 2;
            var threadIds = new HashSet<int>();
            using var bothStarted = new CountdownEvent(2);
            Parallelism.For(2, _ =>
            {
                lock (threadIds)
                    threadIds.Add(Environment.CurrentManagedThreadId);

                bothStarted.Signal();
                Assert.True(bothStarted.Wait(TimeSpan.FromSeconds(10)), "the second index never ran concurrently");
            });
            Assert.Equal(2, threadIds.Count);
        }
        finally
        {
            Parallelism.NumThreads = saved;
        }
    }

    [Fact]
    public void NestedAndConcurrentCallsComplete()
    {
        int saved = Parallelism.NumThreads;
        try
        {
            Parallelism.NumThreads = 2;
            int total = 0;
            Parallel.For(0, 4, _ => Parallelism.For(10, _ => Parallelism.For(3, _ => Interlocked.Increment(ref total))));
            Assert.Equal(4 * 10 * 3, total);
        }
        finally
        {
            Parallelism.NumThreads = saved;
        }
    }

    [Fact]
    public void ExceptionsPropagateToTheCaller()
    {
        int saved = Parallelism.NumThreads;
        try
        {
            Parallelism.NumThreads = 2;
            Assert.ThrowsAny<Exception>(() => Parallelism.For(8, i =>
            {
                if (i == 5)
                    throw new InvalidOperationException("boom");
            }));
            int count = 0;
            Parallelism.For(8, _ => Interlocked.Increment(ref count));
            Assert.Equal(8, count);
        }
        finally
        {
            Parallelism.NumThreads = saved;
        }
    }

    [Fact]
    public void NumThreadsRejectsValuesBelowOne()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.NumThreads = 0);
        Assert.True(Parallelism.NumThreads >= 1);
    }
}
