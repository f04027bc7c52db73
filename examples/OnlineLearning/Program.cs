using Nabla.Data;
using Nabla.NN;
using Nabla.Optim;

return Nabla.Examples.OnlineLearningExample.Run(Console.Out);

namespace Nabla.Examples
{
    /// <summary>
    /// Article 001's answer on online learning, as a program: backpropagation with online gradient descent on an endless
    /// stream. Examples arrive one at a time (an <see cref="OnlineLoader"/> over a generator function, no dataset in
    /// memory, no epochs); each one is used for exactly one update of a 2-16-16-1 network and then discarded. The stream
    /// is make_moons-like points (noise 0.1) whose distribution drifts halfway through: the moons turn by 90°. The
    /// running loss (an exponential moving average over about the last 200 examples) shows the network learning, being
    /// surprised by the drift, and adapting, which a model trained once on a fixed dataset could not do.
    /// </summary>
    public static class OnlineLearningExample
    {
        /// <summary>Learns from <paramref name="steps"/> streamed examples and prints the running loss; returns 0 when it has recovered from the drift (running loss below 0.15).</summary>
        public static int Run(TextWriter output, int steps = 8000, double learningRate = 0.01, int reportEvery = 500, ulong seed = 1)
        {
            var generator = new Generator(seed);
            var model = new Sequential(
                new Linear(2, 16, generator: generator), new ReLU(),
                new Linear(16, 16, generator: generator), new ReLU(),
                new Linear(16, 1, generator: generator));
            var optimizer = new Adam(model.Parameters(), lr: learningRate);

            output.WriteLine($"data: a stream of {steps:N0} make_moons points generated one at a time (seed {seed}); halfway the moons turn by 90°");
            int seen = 0;
            var stream = new OnlineLoader(() => NextExample(generator, rotated: seen >= steps / 2), batchSize: 1);
            double runningLoss = double.NaN;
            foreach (var (x, y) in stream.Take(steps))
            {
                using var scope = TensorScope.Begin();
                var loss = Functional.BinaryCrossEntropyWithLogits(model.Forward(x), y);
                optimizer.ZeroGrad(setToNone: false);
                loss.Backward();
                optimizer.Step();

                double value = loss.Item();
                runningLoss = double.IsNaN(runningLoss) ? value : 0.995 * runningLoss + 0.005 * value;
                seen++;
                if (seen == steps / 2) output.WriteLine($"example {seen,5}: the stream drifts, the moons turn by 90°");
                if (seen % reportEvery == 0) output.WriteLine($"example {seen,5}  running loss {runningLoss:F4}");
            }
            return runningLoss < 0.15 ? 0 : 1;
        }

        /// <summary>One labelled point of two interleaving half circles (as make_moons, noise 0.1), optionally turned by 90°.</summary>
        private static (Tensor Input, Tensor Target) NextExample(Generator generator, bool rotated)
        {
            int label = (int)generator.NextInt64(0, 2);
            double t = Math.PI * generator.NextDouble();
            double px = label == 0 ? Math.Cos(t) : 1 - Math.Cos(t);
            double py = label == 0 ? Math.Sin(t) : 0.5 - Math.Sin(t);
            px += 0.1 * generator.NextGaussian();
            py += 0.1 * generator.NextGaussian();
            if (rotated) (px, py) = (-py, px);
            return (Tensor.FromArray(new float[] { (float)px, (float)py }, 2), Tensor.FromArray(new float[] { label }, 1));
        }
    }
}
