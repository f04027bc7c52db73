using Nabla.Data;
using Nabla.NN;
using Nabla.Optim;

namespace Nabla.Distributed.Worker;

/// <summary>
/// The training run the equivalence tests compare: a 2-32-32-2 tanh MLP on 192 make_moons points, two epochs with a
/// shuffled <see cref="DistributedSampler"/>, recording every parameter after every step. Run on N ranks with per-rank
/// batch B it must give the parameters that one process gives with batch N·B, since the ranks' batches of a step are
/// exactly the single process's batch split in N (the sampler deals the same order out in turn).
/// </summary>
public static class Equivalence
{
    public const int Examples = 192, Epochs = 2;
    public const ulong Seed = 11;

    /// <summary>The runs: optimizer, bucket size in MiB (0.0001: one bucket per layer), and whether each step accumulates two micro-batches under NoSync.</summary>
    public static readonly (string Name, string Optimizer, double BucketCapMb, bool Accumulate)[] Configs =
    [
        ("sgd", "sgd", 25, false),
        ("adam", "adam", 25, false),
        ("sgd-buckets", "sgd", 0.0001, false),
        ("adam-nosync", "adam", 25, true),
    ];

    /// <summary>Trains one configuration and returns the flattened parameters after every step (on every rank).</summary>
    public static List<float[]> Train(string optimizerName, double bucketCapMb, bool accumulate, ProcessGroup group, int perRankBatch)
    {
        var (x, y) = Synthetic.MakeMoons(Examples, noise: 0.1, generator: new Generator(3));
        // Each rank starts from different weights, so the test also shows that rank 0's are broadcast.
        var init = new Generator(Seed + (ulong)group.Rank);
        var net = new Sequential(new Linear(2, 32, generator: init), new Tanh(), new Linear(32, 32, generator: init), new Tanh(), new Linear(32, 2, generator: init));
        var model = new DistributedDataParallel(net, group, bucketCapMb);
        Optimizer optimizer = optimizerName == "sgd" ? new SGD(model.Parameters(), lr: 0.1, momentum: 0.9) : new Adam(model.Parameters(), lr: 0.01);
        var sampler = new DistributedSampler(Examples, group, shuffle: true, seed: Seed);
        var loader = new DataLoader(new TensorDataset(x, y), perRankBatch, sampler: sampler, prefetch: false);
        var steps = new List<float[]>();
        for (int epoch = 0; epoch < Epochs; epoch++)
        {
            sampler.SetEpoch(epoch);
            foreach (var (input, target) in loader)
            {
                optimizer.ZeroGrad();
                if (accumulate)
                {
                    int half = input.Shape[0] / 2;
                    using (model.NoSync())
                        (Functional.CrossEntropy(model.Forward(input.Narrow(0, 0, half)), target.Narrow(0, 0, half)) * 0.5).Backward();
                    (Functional.CrossEntropy(model.Forward(input.Narrow(0, half, half)), target.Narrow(0, half, half)) * 0.5).Backward();
                }
                else
                {
                    Functional.CrossEntropy(model.Forward(input), target).Backward();
                }
                optimizer.Step();
                steps.Add(Flatten(net));
            }
        }
        return steps;
    }

    public static float[] Flatten(Module module) => [.. module.Parameters().SelectMany(p => p.ToArray<float>())];

    public static void Write(string path, List<float[]> steps)
    {
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(steps.Count);
        writer.Write(steps.Count == 0 ? 0 : steps[0].Length);
        foreach (var step in steps)
            foreach (float v in step) writer.Write(v);
    }

    public static List<float[]> Read(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        int count = reader.ReadInt32(), length = reader.ReadInt32();
        var steps = new List<float[]>(count);
        for (int s = 0; s < count; s++)
        {
            var step = new float[length];
            for (int i = 0; i < length; i++) step[i] = reader.ReadSingle();
            steps.Add(step);
        }
        return steps;
    }
}
