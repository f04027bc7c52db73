return Nabla.Examples.SigmoidNetworkExample.Run(Console.Out);

namespace Nabla.Examples
{
    /// <summary>
    /// Article 001's program: a 4-5-3 network with sigmoid activations takes one gradient step on one
    /// point. The article's hand-derived backward pass (delta2 = (ŷ − y)·ŷ(1 − ŷ), delta1 = delta2·W2ᵀ·a1(1 − a1))
    /// is computed beside autograd and the two gradients are shown to agree. The article's target had four
    /// entries for three outputs; here it has three.
    /// </summary>
    public static class SigmoidNetworkExample
    {
        /// <summary>Runs one forward, backward and update; returns 0 when the manual and automatic gradients agree.</summary>
        public static int Run(TextWriter output, double learningRate = 0.1, ulong seed = 0)
        {
            var generator = new Generator(seed);
            var w1 = Tensor.Randn([4, 5], DType.Float64, generator, requiresGrad: true);
            var b1 = Tensor.Zeros([1, 5], DType.Float64, requiresGrad: true);
            var w2 = Tensor.Randn([5, 3], DType.Float64, generator, requiresGrad: true);
            var b2 = Tensor.Zeros([1, 3], DType.Float64, requiresGrad: true);
            var x = Tensor.FromArray(new double[] { 0, 0, 1, 1 }, 1, 4);
            var y = Tensor.FromArray(new double[] { 0, 0, 1 }, 1, 3);
            output.WriteLine($"data: the article's one point x = {x}, target y = {y}; W1 (4×5) and W2 (5×3) standard normal (seed {seed}), biases 0");

            var a1 = (x.MatMul(w1) + b1).Sigmoid();
            var yHat = (a1.MatMul(w2) + b2).Sigmoid();
            var loss = 0.5 * (yHat - y).Square().Sum();
            output.WriteLine($"forward: a1 = σ(x·W1 + b1) = {a1}");
            output.WriteLine($"         ŷ = σ(a1·W2 + b2) = {yHat}");
            output.WriteLine("squared-error loss L = ½·Σ(ŷ − y)²:");
            output.WriteLine($"loss {loss.Item():F6}");
            loss.Backward();

            // The article's chain rule, one factor at a time, each printed with its value.
            Tensor dw1, db1, dw2, db2;
            using (Autograd.NoGrad())
            {
                var dLdyHat = yHat - y;
                var dyHatdz2 = yHat * (1.0 - yHat);
                var delta2 = dLdyHat * dyHatdz2;
                dw2 = a1.T.MatMul(delta2);
                db2 = delta2.Sum(0, keepDim: true);
                var dLda1 = delta2.MatMul(w2.T);
                var da1dz1 = a1 * (1.0 - a1);
                var delta1 = dLda1 * da1dz1;
                dw1 = x.T.MatMul(delta1);
                db1 = delta1.Sum(0, keepDim: true);
                output.WriteLine("backward by the chain rule:");
                output.WriteLine($"  ∂L/∂ŷ = ŷ − y = {dLdyHat}");
                output.WriteLine($"  ∂ŷ/∂z2 = ŷ(1 − ŷ) = {dyHatdz2}");
                output.WriteLine($"  δ2 = ∂L/∂z2 = ∂L/∂ŷ ⊙ ∂ŷ/∂z2 = {delta2}");
                output.WriteLine($"  ∂L/∂W2 = a1ᵀ·δ2 (5×3), ∂L/∂b2 = δ2 = {db2}");
                output.WriteLine($"  ∂L/∂a1 = δ2·W2ᵀ = {dLda1}");
                output.WriteLine($"  ∂a1/∂z1 = a1(1 − a1) = {da1dz1}");
                output.WriteLine($"  δ1 = ∂L/∂z1 = ∂L/∂a1 ⊙ ∂a1/∂z1 = {delta1}");
                output.WriteLine($"  ∂L/∂W1 = xᵀ·δ1 (4×5), ∂L/∂b1 = δ1 = {db1}");
            }

            bool agree = true;
            foreach (var (name, manual, automatic) in new[] { ("W1", dw1, w1.Grad!), ("b1", db1, b1.Grad!), ("W2", dw2, w2.Grad!), ("b2", db2, b2.Grad!) })
            {
                bool same = manual.AllClose(automatic, rtol: 1e-12, atol: 1e-15);
                agree &= same;
                double difference;
                using (Autograd.NoGrad()) difference = (manual - automatic).Abs().Max().Item();
                output.WriteLine($"dL/d{name} by hand == by autograd: {same} (largest difference {difference:0.0E+0})");
            }
            output.WriteLine($"dL/dW2 by hand = {dw2}");
            output.WriteLine($"dL/dW2 by autograd = {w2.Grad}");

            using (Autograd.NoGrad())
            {
                foreach (var p in new[] { w1, b1, w2, b2 })
                    p.SubInPlace(p.Grad! * learningRate);
            }

            output.WriteLine($"updated W1 = {w1}");
            output.WriteLine($"updated b1 = {b1}");
            output.WriteLine($"updated W2 = {w2}");
            output.WriteLine($"updated b2 = {b2}");
            using (Autograd.NoGrad())
            {
                var after = 0.5 * ((x.MatMul(w1) + b1).Sigmoid().MatMul(w2) + b2).Sigmoid().Sub(y).Square().Sum();
                output.WriteLine($"loss after one step {after.Item():F6}");
            }
            return agree ? 0 : 1;
        }
    }
}
