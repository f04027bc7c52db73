using Nabla.Data;
using Nabla.NN;
using Nabla.Optim;

return Nabla.Examples.XorExample.Run(Console.Out);

namespace Nabla.Examples
{
    /// <summary>
    /// Article 000's program: a 2-4-1 network with tanh activations learns XOR by per-sample gradient
    /// descent (lr 0.1, 1000 epochs, squared error). The hand-written delta rule of the article is what
    /// <see cref="Tensor.Backward"/> computes here.
    /// </summary>
    public static class XorExample
    {
        /// <summary>Trains the network, prints the loss every 100 epochs and the four predictions; returns 0 when all four are on the right side of 0.5.</summary>
        public static int Run(TextWriter output, int epochs = 1000, double learningRate = 0.1, ulong seed = 1)
        {
            var generator = new Generator(seed);
            var model = new Sequential(new Linear(2, 4, generator: generator), new Tanh(), new Linear(4, 1, generator: generator), new Tanh());
            var optimizer = new SGD(model.Parameters(), lr: learningRate);
            var (x, y) = Synthetic.Xor();
            output.WriteLine("data: the four XOR points (0, 0) → 0, (0, 1) → 1, (1, 0) → 1, (1, 1) → 0");

            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                double total = 0;
                for (int i = 0; i < 4; i++)
                {
                    // One example at a time, as in the article: stochastic gradient descent.
                    var prediction = model.Forward(x.Narrow(0, i, 1));
                    var loss = 0.5 * (prediction - y.Narrow(0, i, 1)).Square().Sum();
                    optimizer.ZeroGrad();
                    loss.Backward();
                    optimizer.Step();
                    total += loss.Item();
                }
                if (epoch % 100 == 0) output.WriteLine($"epoch {epoch,4}  loss {total / 4:F6}");
            }

            using var _ = Autograd.NoGrad();
            var predictions = model.Forward(x);
            int correct = 0;
            for (int i = 0; i < 4; i++)
            {
                double p = predictions.ItemAt(i, 0);
                bool ok = (p > 0.5) == (y.ItemAt(i, 0) > 0.5);
                if (ok) correct++;
                output.WriteLine($"XOR({x.ItemAt(i, 0)}, {x.ItemAt(i, 1)}) = {p:F4}  (target {y.ItemAt(i, 0)})");
            }
            output.WriteLine($"{correct}/4 correct");
            return correct == 4 ? 0 : 1;
        }
    }
}
