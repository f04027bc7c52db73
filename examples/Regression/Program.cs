using System.Globalization;
using Nabla.NN;

return Nabla.Examples.RegressionExample.Run(Console.Out);

namespace Nabla.Examples
{
    /// <summary>
    /// pytorch/examples' regression program: a Linear(4, 1) layer learns a random degree-4 polynomial
    /// y = w₁x + w₂x² + w₃x³ + w₄x⁴ + b from batches of 32 standard-normal x, by the smooth L1 loss and plain gradient
    /// descent (lr 0.1, the update written by hand under NoGrad), until the loss is below 1e-3.
    /// </summary>
    public static class RegressionExample
    {
        private const int Degree = 4;

        /// <summary>Fits the polynomial and prints the learned and the actual one; returns 0 when the fit converged.</summary>
        public static int Run(TextWriter output, ulong seed = 0, int maxBatches = 100_000)
        {
            var generator = new Generator(seed);
            var wTarget = Tensor.Randn([Degree, 1], generator: generator) * 5;
            var bTarget = Tensor.Randn([1], generator: generator) * 5;
            var fc = new Linear(Degree, 1, generator: generator);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"data: batches of 32 points x ~ N(0, 1), features x, x², …, x^{Degree}, targets from a random polynomial of degree {Degree} (seed {seed})"));

            double loss = double.NaN;
            int batch = 0;
            while (batch < maxBatches)
            {
                batch++;
                var x = Features(Tensor.Randn([32], generator: generator));
                var y = x.MatMul(wTarget) + bTarget.Item();
                fc.ZeroGrad();
                var l = Functional.SmoothL1Loss(fc.Forward(x), y);
                loss = l.Item();
                l.Backward();
                using (Autograd.NoGrad())
                {
                    foreach (var p in fc.Parameters()) p.AddInPlace(p.Grad!, -0.1);
                }
                if (loss < 1e-3) break;
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Loss: {loss:F6} after {batch} batches"));
            output.WriteLine("==> Learned function:\t" + Describe(fc.Weight.Reshape(-1), fc.Bias!));
            output.WriteLine("==> Actual function:\t" + Describe(wTarget.Reshape(-1), bTarget));
            return loss < 1e-3 ? 0 : 1;
        }

        /// <summary>The columns x, x², x³, x⁴ of a batch of x.</summary>
        private static Tensor Features(Tensor x) => Tensor.Cat([.. Enumerable.Range(1, Degree).Select(i => x.Unsqueeze(1).Pow(i))], 1);

        private static string Describe(Tensor w, Tensor b) =>
            "y = " + string.Concat(Enumerable.Range(0, Degree).Select(i => string.Create(CultureInfo.InvariantCulture, $"{w.ItemAt(i):+0.00;-0.00} x^{i + 1} ")))
            + b.ItemAt(0).ToString("+0.00;-0.00", CultureInfo.InvariantCulture);
    }
}
