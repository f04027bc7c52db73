using System.Diagnostics;
using System.Globalization;
using Nabla.Data;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Optim.Schedulers;

return Nabla.Examples.MnistExample.FromCommandLine(args);

namespace Nabla.Examples
{
    /// <summary>
    /// pytorch/examples' MNIST program on Fashion-MNIST (Debian's dataset-fashion-mnist, or any directory of MNIST-format
    /// IDX files): two 3×3 convolutions (32 and 64 channels) with ReLU, 2×2 max pooling, dropout 0.25, a 9216-128 layer
    /// with ReLU and dropout 0.5, a 128-10 layer and log-softmax, trained on the negative log-likelihood by Adadelta
    /// (lr 1.0) with the rate multiplied by 0.7 after every epoch (StepLR), batches of 64, inputs normalised by the
    /// original's MNIST mean and deviation (0.1307, 0.3081); the test loss and accuracy after every epoch.
    /// </summary>
    public static class MnistExample
    {
        /// <summary>Reads <c>[--epochs N] [--data DIR]</c> (14 epochs by default, as the original) and runs the example.</summary>
        public static int FromCommandLine(string[] args)
        {
            int epochs = 14;
            string directory = FashionMnist.DefaultDirectory;
            for (int i = 0; i < args.Length; i += 2)
            {
                bool known = i + 1 < args.Length && (args[i] == "--data" || (args[i] == "--epochs" && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out epochs) && epochs > 0));
                if (!known)
                {
                    Console.Error.WriteLine("usage: Mnist [--epochs N] [--data IDX-DIRECTORY]");
                    return 2;
                }
                if (args[i] == "--data") directory = args[i + 1];
            }
            (Tensor Images, Tensor Labels) train, test;
            try
            {
                train = Mnist.Load(directory, train: true);
                test = Mnist.Load(directory, train: false);
            }
            catch (FileNotFoundException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            Console.WriteLine($"data: the IDX images in {directory}: {train.Labels.Shape[0]:N0} for training, {test.Labels.Shape[0]:N0} for testing");
            return Run(Console.Out, train, test, epochs);
        }

        /// <summary>Trains for <paramref name="epochs"/> epochs; returns 0 when the last test accuracy beats chance by far (&gt; 0.5).</summary>
        public static int Run(TextWriter output, (Tensor Images, Tensor Labels) train, (Tensor Images, Tensor Labels) test, int epochs = 14,
            int batchSize = 64, int testBatchSize = 1000, ulong seed = 1, int logInterval = 100)
        {
            var generator = new Generator(seed);
            var model = new Net(generator);
            var optimizer = new Adadelta(model.Parameters(), lr: 1.0);
            var scheduler = new StepLR(optimizer, stepSize: 1, gamma: 0.7);
            var trainSet = new TensorDataset(Normalize(train.Images), train.Labels);
            var loader = new DataLoader(trainSet, batchSize, shuffle: true, generator: generator);
            var testLoader = new DataLoader(new TensorDataset(Normalize(test.Images), test.Labels), testBatchSize);
            double accuracy = 0;
            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                model.Train();
                int batch = 0;
                foreach (var (x, y) in loader)
                {
                    using var scope = TensorScope.Begin();
                    optimizer.ZeroGrad();
                    var loss = Functional.NllLoss(model.Forward(x), y);
                    loss.Backward();
                    optimizer.Step();
                    if (batch % logInterval == 0)
                    {
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"Train Epoch: {epoch} [{batch * batchSize}/{trainSet.Count} ({100.0 * batch / loader.Count:F0}%)]\tLoss: {loss.Item():F6}"));
                    }
                    batch++;
                }
                double testLoss = 0;
                long correct = 0;
                model.Eval();
                using (Autograd.NoGrad())
                {
                    foreach (var (x, y) in testLoader)
                    {
                        using var scope = TensorScope.Begin();
                        var logProbabilities = model.Forward(x);
                        testLoss += Functional.NllLoss(logProbabilities, y, reduction: Reduction.Sum).Item();
                        correct += (long)logProbabilities.Argmax(1).Eq(y).Sum().Item();
                    }
                }
                int n = test.Labels.Shape[0];
                accuracy = (double)correct / n;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Test set: Average loss: {testLoss / n:F4}, Accuracy: {correct}/{n} ({100 * accuracy:F0}%)  [epoch {clock.Elapsed.TotalSeconds:F0} s]"));
                scheduler.Step();
            }
            return accuracy > 0.5 ? 0 : 1;
        }

        private static Tensor Normalize(Tensor images) => (images - 0.1307) / 0.3081;

        /// <summary>The network of the original program.</summary>
        private sealed class Net : Module
        {
            private readonly Conv2d _conv1, _conv2;
            private readonly Dropout _dropout1, _dropout2;
            private readonly Linear _fc1, _fc2;

            public Net(Generator generator)
            {
                _conv1 = RegisterModule("conv1", new Conv2d(1, 32, 3, 1, generator: generator));
                _conv2 = RegisterModule("conv2", new Conv2d(32, 64, 3, 1, generator: generator));
                _dropout1 = RegisterModule("dropout1", new Dropout(0.25, generator));
                _dropout2 = RegisterModule("dropout2", new Dropout(0.5, generator));
                _fc1 = RegisterModule("fc1", new Linear(9216, 128, generator: generator));
                _fc2 = RegisterModule("fc2", new Linear(128, 10, generator: generator));
            }

            public override Tensor Forward(Tensor input)
            {
                var x = Functional.Relu(_conv1.Forward(input));
                x = Functional.Relu(_conv2.Forward(x));
                x = _dropout1.Forward(Functional.MaxPool2d(x, 2));
                x = _dropout2.Forward(Functional.Relu(_fc1.Forward(x.Flatten(1))));
                return Functional.LogSoftmax(_fc2.Forward(x), 1);
            }
        }
    }
}
