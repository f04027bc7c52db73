using System.Diagnostics;
using System.Globalization;
using Nabla.Data;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Viz;

return Nabla.Examples.DcganExample.FromCommandLine(args);

namespace Nabla.Examples
{
    /// <summary>
    /// pytorch/examples' DCGAN (Radford, Metz and Chintala, 2016) on Fashion-MNIST's 28×28 images: a generator of
    /// transposed convolutions with batch norm and ReLU, from a 100-dimensional code (1×1) through 7×7 and 14×14 to a
    /// tanh image, and a discriminator of strided convolutions with batch norm and leaky ReLU (0.2) to a sigmoid; weights
    /// drawn from N(0, 0.02) (batch-norm scales from N(1, 0.02)); binary cross-entropy, Adam (lr 2e-4, β₁ 0.5), batches
    /// of 64, the discriminator trained on a real and a fake batch, then the generator to fool it. Every epoch writes
    /// fake_samples_epoch_NNN.png from a fixed batch of codes, beside real_samples.png.
    /// </summary>
    public static class DcganExample
    {
        private const int Nz = 100, Ngf = 64, Ndf = 64;

        /// <summary>Reads <c>[--epochs N] [--data DIR] [--out DIR]</c> (5 epochs, the current folder) and runs the example.</summary>
        public static int FromCommandLine(string[] args)
        {
            int epochs = 5;
            string directory = FashionMnist.DefaultDirectory, outDir = ".";
            for (int i = 0; i < args.Length; i += 2)
            {
                bool known = i + 1 < args.Length && (args[i] is "--data" or "--out" || (args[i] == "--epochs" && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out epochs) && epochs > 0));
                if (!known)
                {
                    Console.Error.WriteLine("usage: Dcgan [--epochs N] [--data IDX-DIRECTORY] [--out DIRECTORY]");
                    return 2;
                }
                if (args[i] == "--data") directory = args[i + 1];
                if (args[i] == "--out") outDir = args[i + 1];
            }
            Tensor images;
            try
            {
                images = Mnist.Load(directory, train: true).Images;
            }
            catch (FileNotFoundException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            Console.WriteLine($"data: the {images.Shape[0]:N0} training images of the IDX files in {directory}");
            return Run(Console.Out, images, epochs, outDir);
        }

        /// <summary>Trains for <paramref name="epochs"/> epochs on <paramref name="images"/> (N, 1, 28, 28) in [0, 1]; returns 0 when every loss stayed finite.</summary>
        public static int Run(TextWriter log, Tensor images, int epochs, string outDir, int batchSize = 64, ulong seed = 1, int logInterval = 100)
        {
            Directory.CreateDirectory(outDir);
            var generator = new Generator(seed);
            var netG = Initialise(new Sequential(
                new ConvTranspose2d(Nz, Ngf * 2, 7, 1, 0, bias: false), new BatchNorm2d(Ngf * 2), new ReLU(),
                new ConvTranspose2d(Ngf * 2, Ngf, 4, 2, 1, bias: false), new BatchNorm2d(Ngf), new ReLU(),
                new ConvTranspose2d(Ngf, 1, 4, 2, 1, bias: false), new Tanh()), generator);
            var netD = Initialise(new Sequential(
                new Conv2d(1, Ndf, 4, 2, 1, bias: false), new LeakyReLU(0.2),
                new Conv2d(Ndf, Ndf * 2, 4, 2, 1, bias: false), new BatchNorm2d(Ndf * 2), new LeakyReLU(0.2),
                new Conv2d(Ndf * 2, 1, 7, 1, 0, bias: false), new Sigmoid()), generator);
            var optimizerD = new Adam(netD.Parameters(), lr: 2e-4, beta1: 0.5);
            var optimizerG = new Adam(netG.Parameters(), lr: 2e-4, beta1: 0.5);
            var fixedNoise = Tensor.Randn([batchSize, Nz, 1, 1], generator: generator);
            var loader = new DataLoader(new TensorDataset(images * 2 - 1, images), batchSize, shuffle: true, dropLast: true, generator: generator);
            Images.SaveImage(images[..batchSize], Path.Combine(outDir, "real_samples.png"));
            bool finite = true;
            for (int epoch = 0; epoch < epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                int i = 0;
                foreach (var (real, _) in loader)
                {
                    using var scope = TensorScope.Begin();
                    int n = real.Shape[0];
                    // (1) The discriminator: maximise log D(x) + log(1 − D(G(z))).
                    optimizerD.ZeroGrad();
                    var judged = netD.Forward(real).Reshape(-1);
                    var errDReal = Functional.BinaryCrossEntropy(judged, Tensor.Ones(n));
                    errDReal.Backward();
                    double dx = judged.Mean().Item();
                    var fake = netG.Forward(Tensor.Randn([n, Nz, 1, 1], generator: generator));
                    judged = netD.Forward(fake.Detach()).Reshape(-1);
                    var errDFake = Functional.BinaryCrossEntropy(judged, Tensor.Zeros(n));
                    errDFake.Backward();
                    double dgz1 = judged.Mean().Item();
                    optimizerD.Step();

                    // (2) The generator: maximise log D(G(z)), its fakes labelled real.
                    optimizerG.ZeroGrad();
                    judged = netD.Forward(fake).Reshape(-1);
                    var errG = Functional.BinaryCrossEntropy(judged, Tensor.Ones(n));
                    errG.Backward();
                    double dgz2 = judged.Mean().Item();
                    optimizerG.Step();

                    double errD = errDReal.Item() + errDFake.Item(), lossG = errG.Item();
                    finite &= double.IsFinite(errD) && double.IsFinite(lossG);
                    if (i % logInterval == 0)
                    {
                        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"[{epoch}/{epochs}][{i}/{loader.Count}] Loss_D: {errD:F4} Loss_G: {lossG:F4} D(x): {dx:F4} D(G(z)): {dgz1:F4} / {dgz2:F4}"));
                    }
                    i++;
                }
                netG.Eval();
                using (Autograd.NoGrad())
                {
                    Images.SaveImage(netG.Forward(fixedNoise), Path.Combine(outDir, $"fake_samples_epoch_{epoch:D3}.png"), normalize: true, valueRange: (-1, 1));
                }
                netG.Train();
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1}/{epochs} done in {clock.Elapsed.TotalSeconds:F0} s"));
            }
            return finite ? 0 : 1;
        }

        /// <summary>The original's weights_init: convolution weights from N(0, 0.02), batch-norm scales from N(1, 0.02) and shifts 0.</summary>
        private static Sequential Initialise(Sequential net, Generator generator)
        {
            using var noGrad = Autograd.NoGrad();
            foreach (var module in net)
            {
                if (module is Convolution conv) Init.Normal(conv.Weight, 0, 0.02, generator);
                if (module is BatchNorm norm)
                {
                    Init.Normal(norm.Weight!, 1, 0.02, generator);
                    Init.Zeros(norm.Bias!);
                }
            }
            return net;
        }
    }
}
