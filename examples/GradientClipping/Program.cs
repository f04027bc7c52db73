using System.Globalization;
using Nabla.NN;
using Nabla.Optim;

return Nabla.Examples.GradientClippingExample.Run(Console.Out);

namespace Nabla.Examples
{
    /// <summary>
    /// Exploding gradients, and what clipping does about them. A vanilla ReLU <see cref="RNN"/> reads 100 random
    /// numbers and must output their mean. Its recurrent weights start at 1.1 × the identity, so each step multiplies
    /// the state, and in the backward pass the gradient, by about 1.1: over 100 steps that is 1.1¹⁰⁰ ≈ 14,000, once for
    /// the state's size and once more for the gradient's path back through time. The same model is trained twice with
    /// the same data and SGD: plainly, where the first step's gradient (norm ~10⁸) throws the weights so far that the
    /// loss overflows to infinity and then NaN; and with <see cref="GradClip.ClipGradNorm"/>, which rescales the
    /// gradient to norm at most 1, so every step is a bounded move in the right direction and the loss comes down.
    /// </summary>
    public static class GradientClippingExample
    {
        /// <summary>Trains both ways and prints, per step, the gradient norm (before any clipping) and the loss; returns 0 when the clipped run's loss stays finite and falls.</summary>
        public static int Run(TextWriter output, int steps = 30, int length = 100, double maxNorm = 1.0, ulong seed = 0)
        {
            ArgumentNullException.ThrowIfNull(output);
            var plain = Train(clip: false, steps, length, maxNorm, seed);
            var clipped = Train(clip: true, steps, length, maxNorm, seed);
            output.WriteLine(Invariant($"ReLU RNN, hidden 32, W_hh = 1.1·I, sequences of {length}, SGD lr 0.1; clipped run: ClipGradNorm(maxNorm: {maxNorm})"));
            output.WriteLine("step  gradient norm (plain)      loss (plain)  gradient norm (clipped run)   loss (clipped)");
            for (int i = 0; i < steps; i++)
                output.WriteLine(Invariant($"{i + 1,4}  {plain.GradientNorms[i],21:G4}  {plain.Losses[i],16:G4}  {clipped.GradientNorms[i],27:G4}  {clipped.Losses[i],15:G4}"));
            output.WriteLine(Invariant($"largest gradient norm: plain {plain.GradientNorms.Max():G4}, clipped run {clipped.GradientNorms.Max():G4} before clipping, at most {maxNorm} after"));
            output.WriteLine(Invariant($"final loss: plain {plain.Losses[^1]:G4}, clipped {clipped.Losses[^1]:G4}"));
            bool clippedFinite = clipped.Losses.All(double.IsFinite);
            return clippedFinite && clipped.Losses[^1] < clipped.Losses[0] ? 0 : 1;
        }

        /// <summary>
        /// <paramref name="steps"/> SGD steps on fresh batches of 32 sequences; the gradient norm of each step (as
        /// <see cref="GradClip.ClipGradNorm"/> measures it, before clipping) and the loss.
        /// </summary>
        public static (double[] GradientNorms, double[] Losses) Train(bool clip, int steps, int length, double maxNorm, ulong seed, double learningRate = 0.1)
        {
            var generator = new Generator(seed);
            var rnn = new RNN(1, 32, nonlinearity: "relu", batchFirst: true, generator: generator);
            var head = new Linear(32, 1, generator: generator);
            using (Autograd.NoGrad())
            {
                // The identity keeps the state as it is from step to step; 1.1 × it makes the recurrence expand.
                rnn.GetParameter("weight_hh_l0").CopyFrom(Tensor.Eye(32) * 1.1);
            }
            var parameters = rnn.Parameters().Concat(head.Parameters()).ToList();
            var optimizer = new SGD(parameters, lr: learningRate);
            var data = new Generator(seed + 1);
            var norms = new double[steps];
            var losses = new double[steps];
            for (int step = 0; step < steps; step++)
            {
                using var scope = TensorScope.Begin();
                var input = Tensor.Rand([32, length, 1], generator: data);
                var target = input.Mean(1);
                var (_, last) = rnn.Forward(input);
                var loss = Functional.MseLoss(head.Forward(last.Squeeze(0)), target);
                optimizer.ZeroGrad(setToNone: false);
                loss.Backward();
                // With an infinite clip the call only measures the norm, so both runs report the same figure.
                norms[step] = GradClip.ClipGradNorm(parameters, clip ? maxNorm : double.PositiveInfinity);
                optimizer.Step();
                losses[step] = loss.Item();
            }
            return (norms, losses);
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }
}
