using Nabla.Data;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Training;
using Nabla.Viz;

return Nabla.Examples.SoftmaxRegressionExample.FromCommandLine(args);

namespace Nabla.Examples
{
    /// <summary>
    /// Article 002's program: softmax regression y = softmax(x·W + b) with W and b starting at zero, trained
    /// by gradient descent (lr 0.5) on cross-entropy for 1000 steps of 100 images, then evaluated on the
    /// test set. The data are Fashion-MNIST from Debian's dataset-fashion-mnist, or any directory of
    /// MNIST-format IDX files given as the first argument. The article is about the computational graph,
    /// so the graph of one training step is written to softmax_regression.dot (render it with
    /// <c>dot -Tsvg</c>).
    /// </summary>
    public static class SoftmaxRegressionExample
    {
        /// <summary>Loads the data and runs the example.</summary>
        public static int FromCommandLine(string[] args)
        {
            string directory = args.Length > 0 ? args[0] : FashionMnist.DefaultDirectory;
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
            return Run(Console.Out, train, test, graphPath: "softmax_regression.dot");
        }

        /// <summary>Trains on <paramref name="train"/> and prints the accuracy on <paramref name="test"/>; returns 0 when it beats chance by far (&gt; 0.5).</summary>
        public static int Run(TextWriter output, (Tensor Images, Tensor Labels) train, (Tensor Images, Tensor Labels) test,
            int steps = 1000, int batchSize = 100, double learningRate = 0.5, string? graphPath = null, ulong seed = 0)
        {
            int features = train.Images.Shape[1];
            int classes = (int)train.Labels.Max().Item() + 1;
            output.WriteLine($"data: {train.Labels.Shape[0]:N0} training and {test.Labels.Shape[0]:N0} test images of {features} pixels, {classes} classes");
            var model = new Linear(features, classes);
            using (Autograd.NoGrad())
            {
                Init.Zeros(model.Weight);
                Init.Zeros(model.Bias!);
            }
            var optimizer = new SGD(model.Parameters(), lr: learningRate);
            var loader = new DataLoader(new TensorDataset(train.Images, train.Labels), batchSize, shuffle: true, generator: new Generator(seed));

            int step = 0;
            while (step < steps)
            {
                foreach (var (x, y) in loader)
                {
                    var loss = Functional.CrossEntropy(model.Forward(x), y);
                    if (step == 0 && graphPath is not null)
                    {
                        var names = model.NamedParameters().ToDictionary(p => p.Parameter, p => p.Name);
                        names[loss] = "cross_entropy";
                        File.WriteAllText(graphPath, GraphExport.ToDot(loss, names));
                        output.WriteLine($"graph of one step written to {graphPath}");
                    }
                    optimizer.ZeroGrad();
                    loss.Backward();
                    optimizer.Step();
                    if (++step % 100 == 0) output.WriteLine($"step {step,4}  loss {loss.Item():F4}");
                    if (step == steps) break;
                }
            }

            using var _ = Autograd.NoGrad();
            double accuracy = Metrics.Accuracy(model.Forward(test.Images), test.Labels);
            output.WriteLine($"test accuracy {accuracy:F4}");
            return accuracy > 0.5 ? 0 : 1;
        }
    }
}
