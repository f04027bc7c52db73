using Nabla.Viz;

return Nabla.Examples.LinearRegressionExample.Run(Console.Out);

namespace Nabla.Examples
{
    /// <summary>
    /// Article 004's program: scalar linear regression ŷ = w·x + b with loss L = ½(y − ŷ)². The chain rule
    /// written by hand (dL/dw = (ŷ − y)·x, dL/db = ŷ − y) runs beside autograd on every example and the two
    /// must agree; the computation is printed as the article's Mermaid graph.
    /// </summary>
    public static class LinearRegressionExample
    {
        /// <summary>Fits y = 2x + 1 + noise by per-example gradient descent; returns 0 when w and b are recovered and the gradients agreed.</summary>
        public static int Run(TextWriter output, int epochs = 50, double learningRate = 0.05, ulong seed = 0)
        {
            var generator = new Generator(seed);
            var xs = Tensor.Rand([100], DType.Float64, generator) * 2.0 - 1.0;
            var ys = xs * 2.0 + 1.0 + Tensor.Randn([100], DType.Float64, generator) * 0.05;
            var w = Tensor.Scalar(generator.NextGaussian(), DType.Float64, requiresGrad: true);
            var b = Tensor.Scalar(generator.NextGaussian(), DType.Float64, requiresGrad: true);
            double worstDifference = 0;
            output.WriteLine($"data: 100 points x ~ U(−1, 1), y = 2·x + 1 + N(0, 0.05²) (seed {seed}); w and b start standard normal");

            for (int epoch = 0; epoch < epochs; epoch++)
            {
                for (int i = 0; i < 100; i++)
                {
                    double x = xs.ItemAt(i), y = ys.ItemAt(i);
                    var yHat = w * x + b;
                    var loss = 0.5 * (y - yHat).Square();
                    if (epoch == 0 && i == 0)
                        output.WriteLine(GraphExport.ToMermaid(loss, new Dictionary<Tensor, string> { [w] = "w", [b] = "b", [yHat] = "y_hat", [loss] = "L" }));
                    w.Grad = null;
                    b.Grad = null;
                    loss.Backward();

                    // The chain rule by hand: dL/dŷ = ŷ − y, dŷ/dw = x, dŷ/db = 1.
                    double dLdy = yHat.Item() - y;
                    if (epoch == 0 && i == 0)
                    {
                        output.WriteLine($"the first example: x = {x:F4}, y = {y:F4}, ŷ = w·x + b = {yHat.Item():F4}, L = ½(y − ŷ)² = {loss.Item():F6}");
                        output.WriteLine($"  ∂L/∂ŷ = ŷ − y = {dLdy:F6}");
                        output.WriteLine($"  ∂ŷ/∂w = x = {x:F6},  ∂ŷ/∂b = 1");
                        output.WriteLine($"  ∂L/∂w = ∂L/∂ŷ · ∂ŷ/∂w = {dLdy * x:F6}   (autograd: {w.Grad!.Item():F6})");
                        output.WriteLine($"  ∂L/∂b = ∂L/∂ŷ · ∂ŷ/∂b = {dLdy:F6}   (autograd: {b.Grad!.Item():F6})");
                    }
                    worstDifference = Math.Max(worstDifference, Math.Max(Math.Abs(dLdy * x - w.Grad!.Item()), Math.Abs(dLdy - b.Grad!.Item())));

                    using (Autograd.NoGrad())
                    {
                        w.SubInPlace(w.Grad * learningRate);
                        b.SubInPlace(b.Grad * learningRate);
                    }
                }
                if (epoch % 10 == 9) output.WriteLine($"epoch {epoch + 1,3}  w = {w.Item():F4}  b = {b.Item():F4}");
            }
            output.WriteLine($"largest difference between hand-written and automatic gradients: {worstDifference:0.0E+0}");
            output.WriteLine($"learned y = {w.Item():F3}·x + {b.Item():F3} (true: 2·x + 1)");
            return Math.Abs(w.Item() - 2) < 0.05 && Math.Abs(b.Item() - 1) < 0.05 && worstDifference < 1e-12 ? 0 : 1;
        }
    }
}
