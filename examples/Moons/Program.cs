using Nabla.Data;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Training;

return Nabla.Examples.MoonsExample.Run(Console.Out);

namespace Nabla.Examples
{
    /// <summary>
    /// Article 003's program: make_moons (1000 points, noise 0.1), an 80/20 train/test split, and a 2-10-1
    /// network (ReLU hidden layer, sigmoid output) trained by full-batch gradient descent on binary
    /// cross-entropy (lr 0.1, 1000 epochs), with weights drawn as N(0, 0.01²) and zero biases as in the
    /// article. Prints train and test accuracy.
    /// </summary>
    public static class MoonsExample
    {
        /// <summary>Trains and evaluates; returns 0 when the test accuracy exceeds 0.8.</summary>
        public static int Run(TextWriter output, int epochs = 1000, double learningRate = 0.1, ulong seed = 42)
        {
            var generator = new Generator(seed);
            var (x, y) = Synthetic.MakeMoons(1000, noise: 0.1, generator: generator);
            var (xTrain, xTest, yTrain, yTest) = Splits.TrainTestSplit(x, y, testFraction: 0.2, seed: seed);
            output.WriteLine($"data: 1,000 make_moons points (noise 0.1, seed {seed}), 800 for training and 200 for testing");
            var targets = yTrain.To(DType.Float32).Unsqueeze(1);

            var hidden = new Linear(2, 10);
            var head = new Linear(10, 1);
            using (Autograd.NoGrad())
            {
                Init.Normal(hidden.Weight, 0, 0.01, generator);
                Init.Zeros(hidden.Bias!);
                Init.Normal(head.Weight, 0, 0.01, generator);
                Init.Zeros(head.Bias!);
            }
            var model = new Sequential(hidden, new ReLU(), head, new Sigmoid());
            var optimizer = new SGD(model.Parameters(), lr: learningRate);

            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                var loss = Functional.BinaryCrossEntropy(model.Forward(xTrain), targets);
                optimizer.ZeroGrad();
                loss.Backward();
                optimizer.Step();
                if (epoch % 100 == 0) output.WriteLine($"epoch {epoch,4}  loss {loss.Item():F4}");
            }

            using var _ = Autograd.NoGrad();
            // The sigmoid output is a probability: class 1 where it exceeds 0.5, i.e. where the logit is positive.
            double trainAccuracy = Metrics.Accuracy(model.Forward(xTrain) - 0.5, yTrain);
            double testAccuracy = Metrics.Accuracy(model.Forward(xTest) - 0.5, yTest);
            output.WriteLine($"Train accuracy: {trainAccuracy:F4}");
            output.WriteLine($"Test accuracy: {testAccuracy:F4}");
            return testAccuracy > 0.8 ? 0 : 1;
        }
    }
}
