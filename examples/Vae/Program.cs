using System.Diagnostics;
using System.Globalization;
using Nabla.Data;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Viz;

return Nabla.Examples.VaeExample.FromCommandLine(args);

namespace Nabla.Examples
{
    /// <summary>
    /// pytorch/examples' variational autoencoder (Kingma and Welling, 2014) on Fashion-MNIST: a 784-400 ReLU encoder
    /// with two 400-20 heads for the mean and log-variance, the reparameterisation z = μ + ε·σ, and a 20-400-784 decoder
    /// with a sigmoid clamped to [1e-4, 1 − 1e-4]; the loss is the summed binary cross-entropy, the negative log
    /// normalising constant of the continuous Bernoulli (Loaiza-Ganem and Cunningham, 2019, since the pixels are not
    /// binary) and the KL divergence from the standard normal. Adam (lr 1e-3), batches of 128. After every epoch it
    /// writes results/reconstruction_N.png (8 test images above their reconstructions) and results/sample_N.png (64
    /// images decoded from random codes).
    /// </summary>
    public static class VaeExample
    {
        /// <summary>Reads <c>[--epochs N] [--data DIR] [--out DIR]</c> (10 epochs, results/) and runs the example.</summary>
        public static int FromCommandLine(string[] args)
        {
            int epochs = 10;
            string directory = FashionMnist.DefaultDirectory, results = "results";
            for (int i = 0; i < args.Length; i += 2)
            {
                bool known = i + 1 < args.Length && (args[i] is "--data" or "--out" || (args[i] == "--epochs" && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out epochs) && epochs > 0));
                if (!known)
                {
                    Console.Error.WriteLine("usage: Vae [--epochs N] [--data IDX-DIRECTORY] [--out RESULTS-DIRECTORY]");
                    return 2;
                }
                if (args[i] == "--data") directory = args[i + 1];
                if (args[i] == "--out") results = args[i + 1];
            }
            (Tensor Images, Tensor Labels) train, test;
            try
            {
                train = Mnist.Load(directory, train: true, flatten: true);
                test = Mnist.Load(directory, train: false, flatten: true);
            }
            catch (FileNotFoundException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            Console.WriteLine($"data: the IDX images in {directory}: {train.Images.Shape[0]:N0} for training, {test.Images.Shape[0]:N0} for testing");
            return Run(Console.Out, train.Images, test.Images, epochs, results);
        }

        /// <summary>Trains for <paramref name="epochs"/> epochs, writing the image grids into <paramref name="results"/>; returns 0 when the test loss fell.</summary>
        public static int Run(TextWriter output, Tensor train, Tensor test, int epochs, string results, int batchSize = 128, ulong seed = 1, int logInterval = 100)
        {
            Directory.CreateDirectory(results);
            var generator = new Generator(seed);
            var model = new Vae(generator);
            var optimizer = new Adam(model.Parameters(), lr: 1e-3);
            var loader = new DataLoader(new TensorDataset(train, train), batchSize, shuffle: true, generator: generator);
            var testLoader = new DataLoader(new TensorDataset(test, test), batchSize);
            double firstTestLoss = double.NaN, testLoss = double.NaN;
            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                model.Train();
                double trainLoss = 0;
                int batch = 0;
                foreach (var (x, _) in loader)
                {
                    using var scope = TensorScope.Begin();
                    optimizer.ZeroGrad();
                    var (reconstruction, mu, logVar) = model.Forward(x, generator);
                    var loss = Loss(reconstruction, x, mu, logVar);
                    loss.Backward();
                    double value = loss.Item();
                    trainLoss += value;
                    optimizer.Step();
                    if (batch % logInterval == 0)
                    {
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"Train Epoch: {epoch} [{batch * batchSize}/{train.Shape[0]} ({100.0 * batch / loader.Count:F0}%)]\tLoss: {value / x.Shape[0]:F6}"));
                    }
                    batch++;
                }
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"====> Epoch: {epoch} Average loss: {trainLoss / train.Shape[0]:F4}"));

                model.Eval();
                testLoss = 0;
                using (Autograd.NoGrad())
                {
                    bool first = true;
                    foreach (var (x, _) in testLoader)
                    {
                        var (reconstruction, mu, logVar) = model.Forward(x, generator);
                        testLoss += Loss(reconstruction, x, mu, logVar).Item();
                        if (first)
                        {
                            int n = Math.Min(x.Shape[0], 8);
                            var comparison = Tensor.Cat([x[..n], reconstruction[..n]]).Reshape(-1, 1, 28, 28);
                            Images.SaveImage(comparison, Path.Combine(results, $"reconstruction_{epoch}.png"), nrow: n);
                            first = false;
                        }
                    }
                    testLoss /= test.Shape[0];
                    var sample = model.Decode(Tensor.Randn([64, 20], generator: generator));
                    Images.SaveImage(sample.Reshape(64, 1, 28, 28), Path.Combine(results, $"sample_{epoch}.png"));
                }
                if (epoch == 1) firstTestLoss = testLoss;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"====> Test set loss: {testLoss:F4}  [epoch {clock.Elapsed.TotalSeconds:F0} s]"));
            }
            return epochs == 1 || testLoss < firstTestLoss ? 0 : 1;
        }

        /// <summary>Summed binary cross-entropy, the continuous Bernoulli's negative log normalising constant and the KL divergence.</summary>
        private static Tensor Loss(Tensor reconstruction, Tensor x, Tensor mu, Tensor logVar)
        {
            var bce = Functional.BinaryCrossEntropy(reconstruction, x, reduction: Reduction.Sum);
            var nlnc = -ContinuousBernoulliLogNorm(reconstruction).Sum();
            var kld = -0.5 * (1 + logVar - mu.Square() - logVar.Exp()).Sum();
            return bce + nlnc + kld;
        }

        /// <summary>
        /// log C(λ) = log|2·atanh(1 − 2λ)| − log|1 − 2λ|, the continuous Bernoulli's log normalising constant, with its
        /// Taylor expansion log 2 + 4/3·(λ − ½)² + 104/45·(λ − ½)⁴ in [0.49, 0.51], where the closed form loses precision.
        /// </summary>
        private static Tensor ContinuousBernoulliLogNorm(Tensor lambda, double low = 0.49, double high = 0.51)
        {
            var outside = lambda.Le(low) | lambda.Gt(high);
            var cut = Tensor.Where(outside, lambda, Tensor.FullLike(lambda, low));
            var logNorm = (2.0 * (1 - 2.0 * cut).Atanh()).Abs().Log() - (1 - 2.0 * cut).Abs().Log();
            var centred = lambda - 0.5;
            var taylor = Math.Log(2.0) + 4.0 / 3.0 * centred.Pow(2) + 104.0 / 45.0 * centred.Pow(4);
            return Tensor.Where(outside, logNorm, taylor);
        }

        /// <summary>The encoder, the reparameterisation and the decoder.</summary>
        private sealed class Vae : Module
        {
            private readonly Linear _fc1, _fc21, _fc22, _fc3, _fc4;

            public Vae(Generator generator)
            {
                _fc1 = RegisterModule("fc1", new Linear(784, 400, generator: generator));
                _fc21 = RegisterModule("fc21", new Linear(400, 20, generator: generator));
                _fc22 = RegisterModule("fc22", new Linear(400, 20, generator: generator));
                _fc3 = RegisterModule("fc3", new Linear(20, 400, generator: generator));
                _fc4 = RegisterModule("fc4", new Linear(400, 784, generator: generator));
            }

            public override Tensor Forward(Tensor input) => Forward(input, Generator.Default).Reconstruction;

            public (Tensor Reconstruction, Tensor Mu, Tensor LogVar) Forward(Tensor input, Generator generator)
            {
                var h = Functional.Relu(_fc1.Forward(input.Reshape(-1, 784)));
                var (mu, logVar) = (_fc21.Forward(h), _fc22.Forward(h));
                var std = (0.5 * logVar).Exp();
                var z = mu + Tensor.RandnLike(std, generator: generator) * std;
                return (Decode(z), mu, logVar);
            }

            public Tensor Decode(Tensor z) => _fc4.Forward(Functional.Relu(_fc3.Forward(z))).Sigmoid().Clamp(1e-4, 1 - 1e-4);
        }
    }
}
