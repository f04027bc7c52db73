using System.Diagnostics;
using System.Globalization;
using Nabla.Data;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Viz;

return Nabla.Examples.SuperResolutionExample.FromCommandLine(args);

namespace Nabla.Examples
{
    /// <summary>
    /// pytorch/examples' super-resolution program (Shi et al., "Real-Time Single Image and Video Super-Resolution Using
    /// an Efficient Sub-Pixel Convolutional Neural Network", 2016) on Fashion-MNIST: each 28×28 image is the target and
    /// its 2×2-averaged 14×14 version the input; four convolutions (5×5 to 64, 3×3 to 64, 3×3 to 32, 3×3 to r² channels,
    /// ReLU between, orthogonal initialisation with ReLU's gain) and a <c>PixelShuffle(2)</c> rebuild the full image.
    /// Adam (lr 0.01, as the original), MSE, batches of 64; the test PSNR after every epoch beside that of bilinear
    /// upscaling, and a grid of inputs, outputs and targets written to super_resolution.png.
    /// </summary>
    public static class SuperResolutionExample
    {
        private const int Factor = 2;

        /// <summary>Reads <c>[--epochs N] [--data DIR]</c> (2 epochs, as the original) and runs the example.</summary>
        public static int FromCommandLine(string[] args)
        {
            int epochs = 2;
            string directory = FashionMnist.DefaultDirectory;
            for (int i = 0; i < args.Length; i += 2)
            {
                bool known = i + 1 < args.Length && (args[i] == "--data" || (args[i] == "--epochs" && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out epochs) && epochs > 0));
                if (!known)
                {
                    Console.Error.WriteLine("usage: SuperResolution [--epochs N] [--data IDX-DIRECTORY]");
                    return 2;
                }
                if (args[i] == "--data") directory = args[i + 1];
            }
            Tensor train, test;
            try
            {
                train = Mnist.Load(directory, train: true).Images;
                test = Mnist.Load(directory, train: false).Images;
            }
            catch (FileNotFoundException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            Console.WriteLine($"data: the IDX images in {directory}: {train.Shape[0]:N0} for training, {test.Shape[0]:N0} for testing");
            return Run(Console.Out, train, test, epochs, "super_resolution.png");
        }

        /// <summary>Trains for <paramref name="epochs"/> epochs; returns 0 when the network beats bilinear upscaling on the test images.</summary>
        public static int Run(TextWriter output, Tensor train, Tensor test, int epochs, string? picture, int batchSize = 64, int testBatchSize = 100, ulong seed = 123)
        {
            var generator = new Generator(seed);
            var model = new Net(generator);
            var optimizer = new Adam(model.Parameters(), lr: 0.01);
            var loader = new DataLoader(new TensorDataset(Downscale(train), train), batchSize, shuffle: true, generator: generator);
            var testLoader = new DataLoader(new TensorDataset(Downscale(test), test), testBatchSize);
            double psnr = 0, bilinear = 0;
            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                double epochLoss = 0;
                foreach (var (input, target) in loader)
                {
                    using var scope = TensorScope.Begin();
                    optimizer.ZeroGrad();
                    var loss = Functional.MseLoss(model.Forward(input), target);
                    epochLoss += loss.Item();
                    loss.Backward();
                    optimizer.Step();
                }
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"===> Epoch {epoch} Complete: Avg. Loss: {epochLoss / loader.Count:F4}  [{clock.Elapsed.TotalSeconds:F0} s]"));
                (psnr, bilinear) = (0, 0);
                using (Autograd.NoGrad())
                {
                    foreach (var (input, target) in testLoader)
                    {
                        psnr += Psnr(model.Forward(input), target);
                        bilinear += Psnr(Functional.Interpolate(input, scaleFactor: (double)Factor, mode: "bilinear", alignCorners: false), target);
                    }
                }
                (psnr, bilinear) = (psnr / testLoader.Count, bilinear / testLoader.Count);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"===> Avg. PSNR: {psnr:F4} dB (bilinear upscaling: {bilinear:F4} dB)"));
            }
            if (picture is not null)
            {
                using (Autograd.NoGrad())
                {
                    var input = Downscale(test[..8]);
                    var upscaled = Functional.Interpolate(input, scaleFactor: (double)Factor, mode: "nearest");
                    Images.SaveImage(Tensor.Cat([upscaled, model.Forward(input).Clamp(0, 1), test[..8]]), picture, nrow: 8);
                }
                output.WriteLine($"wrote {picture}: nearest-upscaled inputs, the network's outputs and the originals, one row each");
            }
            return psnr > bilinear ? 0 : 1;
        }

        private static Tensor Downscale(Tensor images) => Functional.AvgPool2d(images, Factor);

        private static double Psnr(Tensor prediction, Tensor target) => 10 * Math.Log10(1 / Functional.MseLoss(prediction, target).Item());

        /// <summary>The sub-pixel convolutional network of the original program.</summary>
        private sealed class Net : Module
        {
            private readonly Conv2d _conv1, _conv2, _conv3, _conv4;
            private readonly PixelShuffle _pixelShuffle;

            public Net(Generator generator)
            {
                _conv1 = RegisterModule("conv1", new Conv2d(1, 64, (5, 5), (1, 1), (2, 2), (1, 1), generator: generator));
                _conv2 = RegisterModule("conv2", new Conv2d(64, 64, (3, 3), (1, 1), (1, 1), (1, 1), generator: generator));
                _conv3 = RegisterModule("conv3", new Conv2d(64, 32, (3, 3), (1, 1), (1, 1), (1, 1), generator: generator));
                _conv4 = RegisterModule("conv4", new Conv2d(32, Factor * Factor, (3, 3), (1, 1), (1, 1), (1, 1), generator: generator));
                _pixelShuffle = RegisterModule("pixel_shuffle", new PixelShuffle(Factor));
                double gain = Init.CalculateGain(Nonlinearity.Relu);
                using (Autograd.NoGrad())
                {
                    Init.Orthogonal(_conv1.Weight, gain, generator);
                    Init.Orthogonal(_conv2.Weight, gain, generator);
                    Init.Orthogonal(_conv3.Weight, gain, generator);
                    Init.Orthogonal(_conv4.Weight, generator: generator);
                }
            }

            public override Tensor Forward(Tensor input)
            {
                var x = Functional.Relu(_conv1.Forward(input));
                x = Functional.Relu(_conv2.Forward(x));
                x = Functional.Relu(_conv3.Forward(x));
                return _pixelShuffle.Forward(_conv4.Forward(x));
            }
        }
    }
}
