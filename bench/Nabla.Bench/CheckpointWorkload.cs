using Nabla.NN;
using Nabla.Optim;

namespace Nabla.Bench;

/// <summary>
/// The memory that gradient checkpointing saves: one training step (forward, loss, backward, SGD step) of a stack of
/// blocks, run plain and with every block wrapped in <see cref="Checkpoint"/>. The figure is the peak of the live
/// managed heap, sampled after a forced full collection (<see cref="GC.GetTotalMemory(bool)"/>) at the moments it
/// peaks: after the forward pass (all of a plain stack's activations are alive) and whenever the gradient reaches a
/// block's output in the backward pass (a probe's hook; in the checkpointed stack that is inside the recompute, with
/// the block's recomputed graph alive). The steps run outside a <see cref="TensorScope"/>, so dead tensors are
/// garbage that the collection removes rather than pooled buffers. Allocation totals are no measure of this (they
/// count the garbage), and peak RSS depends on when the collector happened to run; it is reported only when one
/// variant runs in the process (<c>--variant plain</c> or <c>--variant checkpoint</c>), as a cross-check.
/// Any block works: the mlp, lstm and transformer stacks (`--stack`) each pass their own <c>makeBlock</c>.
/// </summary>
internal static class CheckpointWorkload
{
    /// <summary>Builds the stack both ways, measures one step of each and emits the figures.</summary>
    /// <param name="workload">The workload's name in the emitted lines; each line's workload is this plus "_plain" or "_checkpoint".</param>
    /// <param name="blocks">The number of blocks in the stack.</param>
    /// <param name="makeBlock">Block i of the stack, built after <c>Generator.ManualSeed(0)</c> so that both variants get the same weights.</param>
    /// <param name="input">The stack's input.</param>
    /// <param name="loss">The scalar loss of the stack's output.</param>
    /// <param name="variant">"plain", "checkpoint" or "both".</param>
    /// <param name="emit">Writes one figure: workload, figure, value, unit.</param>
    /// <param name="peakRssMb">The process's peak resident set, in MB.</param>
    public static void Measure(string workload, int blocks, Func<int, Module> makeBlock, Tensor input, Func<Tensor, Tensor> loss,
        string variant, Action<string, string, double, string> emit, Func<double> peakRssMb)
    {
        bool[] variants = variant switch
        {
            "plain" => [false],
            "checkpoint" => [true],
            "both" => [false, true],
            _ => throw new ArgumentException($"checkpoint workload: --variant must be plain, checkpoint or both, got '{variant}'."),
        };
        foreach (bool checkpointed in variants)
        {
            var sampler = new LiveBytes();
            Generator.ManualSeed(0);
            var model = new Sequential();
            for (int i = 0; i < blocks; i++)
            {
                var block = new Sequential(makeBlock(i), new Probe(sampler));
                model.Add(checkpointed ? new Checkpoint(block) : block);
            }
            var optimizer = new SGD(model.Parameters(), lr: 1e-6);

            void Step()
            {
                optimizer.ZeroGrad(setToNone: false);
                var value = loss(model.Forward(input));
                sampler.Sample();
                value.Backward();
                optimizer.Step();
            }

            // The first step allocates the gradients and compiles the code; the second is timed, the third sampled.
            Step();
            var watch = System.Diagnostics.Stopwatch.StartNew();
            Step();
            double stepSeconds = watch.Elapsed.TotalSeconds;
            long baseline = GC.GetTotalMemory(forceFullCollection: true);
            sampler.Enabled = true;
            Step();
            sampler.Enabled = false;

            string name = workload + (checkpointed ? "_checkpoint" : "_plain");
            const double Mb = 1024.0 * 1024.0;
            emit(name, "peak_live_mb", sampler.Peak / Mb, "MB");
            emit(name, "activation_peak_mb", (sampler.Peak - baseline) / Mb, "MB");
            emit(name, "baseline_live_mb", baseline / Mb, "MB");
            emit(name, "step_seconds", stepSeconds, "s");
            if (variants.Length == 1) emit(name, "peak_rss_mb", peakRssMb(), "MB");
        }
    }

    /// <summary>The largest live managed heap seen, each sample taken after a full blocking collection.</summary>
    private sealed class LiveBytes
    {
        public bool Enabled { get; set; }

        public long Peak { get; private set; }

        public void Sample()
        {
            if (Enabled) Peak = Math.Max(Peak, GC.GetTotalMemory(forceFullCollection: true));
        }
    }

    /// <summary>Passes its input through and samples the heap when the backward pass brings that input's gradient.</summary>
    private sealed class Probe(LiveBytes sampler) : Module
    {
        public override Tensor Forward(Tensor input)
        {
            if (sampler.Enabled && input.RequiresGrad)
            {
                input.RegisterHook(g =>
                {
                    sampler.Sample();
                    return null;
                });
            }
            return input;
        }
    }
}
