using System.Globalization;
using Nabla.Data;
using Nabla.NN;
using Nabla.Optim;

namespace Nabla.Distributed.Worker;

/// <summary>
/// Synchronised batch normalisation and unused parameters on several ranks, each checked against one process on the
/// whole batch.
/// </summary>
public static class SyncScenarios
{
    /// <summary>
    /// How far 2 ranks' synchronised batch norm may be from one process's BatchNorm2d on the concatenated batch:
    /// |a − b| ≤ tol·(1 + |b|), 1e-6 in float32 (the float64 sums rounded once to float32) and 1e-12 in float64.
    /// </summary>
    public const double Float32Tolerance = 1e-6, Float64Tolerance = 1e-12;

    /// <summary>
    /// Every rank normalises its share of one (N, 3, 4, 5) batch (uneven shares in float64, even in float32, with a
    /// mean far from zero) with <see cref="SyncBatchNorm"/> for two training steps and then in evaluation mode, and
    /// compares outputs, input gradients, the rank-summed weight and bias gradients and the running statistics with
    /// <see cref="BatchNorm2d"/> on the whole batch in this process.
    /// </summary>
    public static void SyncBatchNormMatchesOneProcess(ProcessGroup group)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            int n = 4 * group.WorldSize + (dtype == DType.Float64 ? 1 : 0);
            // Shares: even in float32; in float64 rank r has 4 + (r == 0 ? 1 : 0) examples, rank 0 the first ones.
            int start = group.Rank == 0 ? 0 : 4 * group.Rank + (dtype == DType.Float64 ? 1 : 0);
            int length = group.Rank == 0 ? n - 4 * (group.WorldSize - 1) : 4;
            double tolerance = dtype == DType.Float32 ? Float32Tolerance : Float64Tolerance;
            var sync = new SyncBatchNorm(3, group, momentum: 0.3, dtype: dtype);
            var reference = new BatchNorm2d(3, momentum: 0.3, dtype: dtype);
            using (Autograd.NoGrad())
            {
                var w = Tensor.FromArray([0.5, -1.5, 2.0]).To(dtype);
                var b = Tensor.FromArray([0.1, 0.2, -0.3]).To(dtype);
                sync.Weight!.CopyFrom(w);
                sync.Bias!.CopyFrom(b);
                reference.Weight!.CopyFrom(w);
                reference.Bias!.CopyFrom(b);
            }
            for (int step = 0; step < 2; step++)
            {
                var generator = new Generator(40 + (ulong)step);
                var whole = (Tensor.Randn([n, 3, 4, 5], dtype: dtype, generator: generator) * 3 + 7).Detach();
                var upstream = Tensor.Randn([n, 3, 4, 5], dtype: dtype, generator: generator);
                var x = whole.Narrow(0, start, length).Contiguous().Detach();
                x.RequiresGrad = true;
                var full = whole.Clone().Detach();
                full.RequiresGrad = true;
                sync.ZeroGrad();
                reference.ZeroGrad();
                var y = sync.Forward(x);
                (y * upstream.Narrow(0, start, length)).Sum().Backward();
                var expected = reference.Forward(full);
                (expected * upstream).Sum().Backward();
                string what = $"{dtype.Name()} step {step + 1}";
                Expect(expected.Narrow(0, start, length), y, tolerance, $"{what}: output");
                Expect(full.Grad!.Narrow(0, start, length), x.Grad!, tolerance, $"{what}: input gradient");
                Expect(reference.Weight!.Grad!, group.AllReduce(sync.Weight!.Grad!.Clone()), tolerance, $"{what}: weight gradient summed over the ranks");
                Expect(reference.Bias!.Grad!, group.AllReduce(sync.Bias!.Grad!.Clone()), tolerance, $"{what}: bias gradient summed over the ranks");
                Expect(reference.RunningMean!, sync.RunningMean!, tolerance, $"{what}: running_mean");
                Expect(reference.RunningVar!, sync.RunningVar!, tolerance, $"{what}: running_var");
                if (sync.NumBatchesTracked!.Item() != step + 1) throw new InvalidOperationException($"{what}: num_batches_tracked is {sync.NumBatchesTracked.Item()}");
            }
            sync.Eval();
            reference.Eval();
            var test = Tensor.Randn([3, 3, 4, 5], dtype: dtype, generator: new Generator(50));
            Expect(reference.Forward(test), sync.Forward(test), tolerance, $"{dtype.Name()}: evaluation output");
        }
    }

    /// <summary>
    /// The 2-16-16-2 MLP with batch norm that <see cref="TrainBatchNorm"/> trains, on moons: with <c>sync</c> its batch norm is
    /// converted to <see cref="SyncBatchNorm"/>, so N ranks of batch B train what one process with batch N·B trains.
    /// </summary>
    public static List<float[]> TrainBatchNorm(ProcessGroup group, int perRankBatch, bool sync)
    {
        var (x, y) = Synthetic.MakeMoons(Equivalence.Examples, noise: 0.1, generator: new Generator(3));
        var init = new Generator(Equivalence.Seed + (ulong)group.Rank);
        Module net = new Sequential(new Linear(2, 16, generator: init), new BatchNorm1d(16), new Tanh(), new Linear(16, 2, generator: init));
        if (sync) net = SyncBatchNorm.ConvertSyncBatchNorm(net, group);
        var model = new DistributedDataParallel(net, group);
        var optimizer = new SGD(model.Parameters(), lr: 0.1, momentum: 0.9);
        var sampler = new DistributedSampler(Equivalence.Examples, group, shuffle: true, seed: Equivalence.Seed);
        var loader = new DataLoader(new TensorDataset(x, y), perRankBatch, sampler: sampler, prefetch: false);
        var steps = new List<float[]>();
        for (int epoch = 0; epoch < Equivalence.Epochs; epoch++)
        {
            sampler.SetEpoch(epoch);
            foreach (var (input, target) in loader)
            {
                optimizer.ZeroGrad();
                Functional.CrossEntropy(model.Forward(input), target).Backward();
                optimizer.Step();
                steps.Add([.. Equivalence.Flatten(net), .. net.Buffers().Where(b => b.DType == DType.Float32).SelectMany(b => b.ToArray<float>())]);
            }
        }
        return steps;
    }

    /// <summary>
    /// A trunk and two heads; head <c>b</c> is added for the examples whose first feature exceeds <see cref="Threshold"/>,
    /// and not at all on every third step: so some steps no rank uses it, and some steps one rank's shard has no such example.
    /// </summary>
    public sealed class Branchy : Module
    {
        public const double Threshold = 1.2;
        private readonly Linear _trunk, _a, _b;

        public Branchy(Generator init)
        {
            _trunk = RegisterModule("trunk", new Linear(2, 16, generator: init));
            _a = RegisterModule("a", new Linear(16, 2, generator: init));
            _b = RegisterModule("b", new Linear(16, 2, generator: init));
        }

        public int Step { get; set; }

        /// <summary>Whether the last forward pass used head b.</summary>
        public bool UsedB { get; private set; }

        public override Tensor Forward(Tensor input)
        {
            var h = _trunk.Forward(input).Tanh();
            var output = _a.Forward(h);
            var mask = (input.Narrow(1, 0, 1) > Threshold).To(input.DType);
            UsedB = Step % 3 != 1 && mask.Sum().Item() > 0;
            return UsedB ? output + _b.Forward(h) * mask : output;
        }
    }

    /// <summary>Trains <see cref="Branchy"/> with Adam; returns the parameters after every step and how many steps this rank left head b unused while another used it.</summary>
    public static (List<float[]> Steps, int LocallyUnused) TrainBranchy(ProcessGroup group, int perRankBatch, bool findUnusedParameters, int maxSteps = int.MaxValue)
    {
        var (x, y) = Synthetic.MakeMoons(Equivalence.Examples, noise: 0.1, generator: new Generator(3));
        var net = new Branchy(new Generator(Equivalence.Seed + (ulong)group.Rank));
        var model = new DistributedDataParallel(net, group, bucketCapMb: 0.0001, findUnusedParameters: findUnusedParameters);
        var optimizer = new Adam(model.Parameters(), lr: 0.01);
        var sampler = new DistributedSampler(Equivalence.Examples, group, shuffle: true, seed: Equivalence.Seed);
        var loader = new DataLoader(new TensorDataset(x, y), perRankBatch, sampler: sampler, prefetch: false);
        var steps = new List<float[]>();
        int locallyUnused = 0;
        for (int epoch = 0; epoch < Equivalence.Epochs; epoch++)
        {
            sampler.SetEpoch(epoch);
            foreach (var (input, target) in loader)
            {
                if (steps.Count == maxSteps) return (steps, locallyUnused);
                net.Step = steps.Count;
                optimizer.ZeroGrad();
                Functional.CrossEntropy(model.Forward(input), target).Backward();
                var used = group.AllReduce(Tensor.FromArray([net.UsedB ? 1L : 0L])).Item();
                if (!net.UsedB && used > 0) locallyUnused++;
                optimizer.Step();
                steps.Add(Equivalence.Flatten(net));
            }
        }
        return (steps, locallyUnused);
    }

    /// <summary>Trains <see cref="TrainBatchNorm"/> with synchronised batch norm and writes rank 0's steps to dir/syncbn.bin.</summary>
    public static void WriteSyncBatchNormTraining(ProcessGroup group, string dir, int perRankBatch)
    {
        var steps = TrainBatchNorm(group, perRankBatch, sync: true);
        Scenarios.CheckReplicasEqual(group, steps[^1], "syncbn-train");
        if (group.IsMain) Equivalence.Write(Path.Combine(dir, "syncbn.bin"), steps);
    }

    /// <summary>Trains <see cref="Branchy"/> with findUnusedParameters, writes rank 0's steps to dir/unused.bin and prints how often a rank alone left head b unused.</summary>
    public static void WriteUnusedTraining(ProcessGroup group, string dir, int perRankBatch)
    {
        var (steps, locallyUnused) = TrainBranchy(group, perRankBatch, findUnusedParameters: true);
        Scenarios.CheckReplicasEqual(group, steps[^1], "unused");
        long total = group.AllReduce(Tensor.FromArray([(long)locallyUnused])).Item<long>();
        if (!group.IsMain) return;
        Equivalence.Write(Path.Combine(dir, "unused.bin"), steps);
        Console.WriteLine($"steps with head b unused on one rank only: {total}");
    }

    private static void Expect(Tensor expected, Tensor actual, double tolerance, string what)
    {
        var e = expected.To(DType.Float64).ToArray<double>();
        var a = actual.To(DType.Float64).ToArray<double>();
        if (e.Length != a.Length) throw new InvalidOperationException($"{what}: {a.Length} values, expected {e.Length}");
        for (int i = 0; i < e.Length; i++)
        {
            if (!(Math.Abs(a[i] - e[i]) <= tolerance * (1 + Math.Abs(e[i]))))
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{what}: element {i} is {a[i]:R}, one process gives {e[i]:R}"));
        }
    }
}
