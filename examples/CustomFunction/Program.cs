using System.Globalization;

return Nabla.Examples.CustomFunctionExample.Run(Console.Out);

namespace Nabla.Examples
{
    /// <summary>
    /// A differentiable function of one's own, as in PyTorch's "Defining new autograd functions" tutorial: the
    /// Legendre polynomial P₃(x) = ½(5x³ − 3x) as a <see cref="Function"/> with a hand-written derivative
    /// P₃′(x) = 1.5(5x² − 1), and y = sin x on [−π, π] fitted by a + b·P₃(c + d·x) with plain gradient descent on the
    /// summed squared error (2000 points, learning rate 5e-6, 2000 steps, the tutorial's starting values).
    /// </summary>
    public static class CustomFunctionExample
    {
        /// <summary>Fits the curve, printing the loss every 100 steps and the fitted expression; returns 0 when the loss fell at least tenfold.</summary>
        public static int Run(TextWriter output, int steps = 2000, double learningRate = 5e-6)
        {
            ArgumentNullException.ThrowIfNull(output);
            output.WriteLine("data: 2,000 points of y = sin(x), x evenly spaced over [−π, π] (the tutorial's polynomial fit)");
            var (losses, a, b, c, d) = Fit(steps, learningRate);
            for (int t = 99; t < steps; t += 100)
                output.WriteLine(Invariant($"step {t + 1,4}  loss {losses[t]:F4}"));
            output.WriteLine(Invariant($"Result: y = {a:G6} + {b:G6} * P3({c:G6} + {d:G6} x)"));
            return losses[^1] * 10 < losses[0] ? 0 : 1;
        }

        /// <summary>The loss at every step (before that step's update) and the fitted a, b, c, d.</summary>
        public static (double[] Losses, double A, double B, double C, double D) Fit(int steps, double learningRate)
        {
            var x = Tensor.Linspace(-Math.PI, Math.PI, 2000);
            var y = x.Sin();
            var a = Tensor.Scalar(0.0, requiresGrad: true);
            var b = Tensor.Scalar(-1.0, requiresGrad: true);
            var c = Tensor.Scalar(0.0, requiresGrad: true);
            var d = Tensor.Scalar(0.3, requiresGrad: true);
            var p3 = new LegendrePolynomial3();
            var losses = new double[steps];
            for (int t = 0; t < steps; t++)
            {
                var prediction = a + b * p3.Apply(c + d * x);
                var loss = (prediction - y).Square().Sum();
                losses[t] = loss.Item();
                loss.Backward();
                using (Autograd.NoGrad())
                {
                    foreach (var parameter in new[] { a, b, c, d })
                    {
                        parameter.SubInPlace(parameter.Grad! * learningRate);
                        parameter.Grad = null;
                    }
                }
            }
            return (losses, a.Item(), b.Item(), c.Item(), d.Item());
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>P₃(x) = ½(5x³ − 3x), whose backward is written by hand: dP₃/dx = 1.5(5x² − 1).</summary>
    public sealed class LegendrePolynomial3 : Function
    {
        /// <inheritdoc/>
        protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs)
        {
            ArgumentNullException.ThrowIfNull(ctx);
            ArgumentNullException.ThrowIfNull(inputs);
            var x = inputs[0];
            ctx.SaveForBackward(x);
            return 0.5 * (5 * x.Pow(3) - 3 * x);
        }

        /// <inheritdoc/>
        protected override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput)
        {
            ArgumentNullException.ThrowIfNull(ctx);
            var x = ctx.SavedTensors[0];
            return [gradOutput * 1.5 * (5 * x.Square() - 1)];
        }
    }
}
