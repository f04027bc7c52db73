using Nabla.NN;
using Nabla.Optim;

namespace Nabla.Distributed.Worker;

/// <summary>The checks the worker runs on every rank; each throws <see cref="InvalidOperationException"/> naming what differed.</summary>
public static class Scenarios
{
    public static void Collectives(ProcessGroup group)
    {
        int n = group.WorldSize, r = group.Rank;
        double ranks = n * (n - 1) / 2.0;

        var f = Tensor.FromArray([r + 1f, 10f * r, -r]);
        group.AllReduce(f);
        Expect([n * (n + 1) / 2f, 10f * (float)ranks, -(float)ranks], f.ToArray<float>(), "AllReduce sum float32");

        var d = Tensor.FromArray([(double)r, 1.0]);
        group.AllReduce(d, ReduceOp.Average);
        Expect([ranks / n, 1.0], d.ToArray<double>(), "AllReduce average float64");

        var l = Tensor.FromArray([(long)r, -(long)r]);
        group.AllReduce(l, ReduceOp.Max);
        Expect([n - 1L, 0L], l.ToArray<long>(), "AllReduce max int64");

        // A transposed view is not contiguous: reduced through a copy and written back.
        var m = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3).Add(r).Transpose(0, 1);
        group.AllReduce(m, ReduceOp.Min);
        Expect([1f, 4f, 2f, 5f, 3f, 6f], m.ToArray<float>(), "AllReduce min of a transposed view");

        int root = n - 1;
        var b = Tensor.FromArray([r * 1.5f, r * 2f]);
        group.Broadcast(b, root);
        Expect([root * 1.5f, root * 2f], b.ToArray<float>(), "Broadcast from the last rank");

        var g = group.AllGather(Tensor.FromArray([(double)r, r * r]));
        if (!g.Shape.SequenceEqual([n, 2])) throw new InvalidOperationException($"AllGather: shape [{string.Join(", ", g.Shape)}]");
        Expect([.. Enumerable.Range(0, n).SelectMany(i => new double[] { i, i * i })], g.ToArray<double>(), "AllGather");

        group.Barrier();
        if (group.UsesMpi && group.Stats.Collectives < 6) throw new InvalidOperationException($"Stats: {group.Stats.Collectives} collectives counted");
    }

    /// <summary>Gathers the final parameters of every rank and refuses any difference, bit for bit.</summary>
    public static void CheckReplicasEqual(ProcessGroup group, float[] parameters, string name)
    {
        var all = group.AllGather(Tensor.FromArray(parameters)).ToArray<float>();
        for (int rank = 1; rank < group.WorldSize; rank++)
        {
            for (int i = 0; i < parameters.Length; i++)
            {
                if (all[rank * parameters.Length + i] != all[i])
                    throw new InvalidOperationException($"{name}: rank {rank}'s parameter element {i} is {all[rank * parameters.Length + i]}, rank 0's {all[i]}");
            }
        }
    }

    /// <summary>Trains; after three steps the last rank exits with code 7 ("dies") or stops answering ("hangs").</summary>
    public static void Failing(ProcessGroup group, string how)
    {
        var model = new DistributedDataParallel(new Sequential(new Linear(8, 16), new ReLU(), new Linear(16, 1)), group);
        var optimizer = new SGD(model.Parameters(), lr: 0.01);
        var x = Tensor.Randn([32, 8], generator: new Generator(1));
        for (int step = 0; step < 1000; step++)
        {
            if (step == 3 && group.Rank == group.WorldSize - 1)
            {
                Console.Error.WriteLine($"rank {group.Rank}: {(how == "dies" ? "exiting with code 7" : "stopping")} at step {step}");
                if (how == "dies") Environment.Exit(7);
                Thread.Sleep(TimeSpan.FromMinutes(5));
            }
            optimizer.ZeroGrad();
            model.Forward(x).Square().Mean().Backward();
            optimizer.Step();
        }
    }

    /// <summary>Times all-reduces of <paramref name="elements"/> float32 values (the mlp's gradients are 235 146) and prints rank 0's figures.</summary>
    public static void Bandwidth(ProcessGroup group, int elements)
    {
        var t = Tensor.Ones([elements]);
        for (int i = 0; i < 20; i++) group.AllReduce(t);
        group.Barrier();
        group.ResetStats();
        const int Rounds = 200;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < Rounds; i++) group.AllReduce(t);
        double seconds = watch.Elapsed.TotalSeconds / Rounds;
        double bytes = elements * 4.0;
        if (group.IsMain)
        {
            Console.WriteLine(System.FormattableString.Invariant(
                $"all-reduce of {bytes / 1e6:F2} MB on {group.WorldSize} ranks: {seconds * 1e3:F3} ms, bus bandwidth {2.0 * (group.WorldSize - 1) / group.WorldSize * bytes / seconds / 1e9:F2} GB/s"));
        }
    }

    private static void Expect<T>(T[] expected, T[] actual, string what) where T : IEquatable<T>
    {
        if (!expected.AsSpan().SequenceEqual(actual))
            throw new InvalidOperationException($"{what}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");
    }
}
