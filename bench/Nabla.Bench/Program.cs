using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Nabla;
using Nabla.Bench;
using Nabla.Data;
using Nabla.Kernels;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Training;

// The benchmark workloads, one JSON object per line: gemm, moons, mlp, cnn, cnnbn, lstm, gru and transformer print the same lines as
// bench/peers/pytorch_bench.py; peak (the float32 FMA rate one core demonstrates, see PeakWorkload.cs), overhead (the
// cost of one recorded op) and checkpoint (the memory gradient checkpointing saves, see CheckpointWorkload.cs) have no
// PyTorch twin.
// One workload per process (--workload), so that peak_rss_mb belongs to that workload alone.
string workload = Arg("--workload") ?? "gemm";
double seconds = double.Parse(Arg("--seconds") ?? "1", CultureInfo.InvariantCulture);
int steps = int.Parse(Arg("--steps") ?? "2000", CultureInfo.InvariantCulture);
double warmupSeconds = double.Parse(Arg("--warmup-seconds") ?? "3", CultureInfo.InvariantCulture);
const int EvalBatch = 250; // test images per evaluation batch, as in the peer
switch (workload)
{
    case "gemm": GemmShapes(); break;
    case "peak": Emit("peak", "GFLOP/s", PeakWorkload.Measure(seconds), "GFLOP/s"); break;
    case "moons": Moons(); break;
    case "mlp": FashionEpoch("mlp", Mlp(), flatten: true); break;
    case "cnn": FashionEpoch("cnn", Cnn(), flatten: false); break;
    case "cnnbn": FashionEpoch("cnnbn", CnnBn(), flatten: false); break;
    case "lstm": CharLstm(); break;
    case "gru": CharGru(); break;
    case "transformer": TransformerLm(); break;
    case "overhead": Overhead(); break;
    case "checkpoint": CheckpointedStack(); break;
    default: Console.Error.WriteLine($"unknown workload '{workload}': expected gemm, peak, moons, mlp, cnn, cnnbn, lstm, gru, transformer, overhead or checkpoint"); return 2;
}
return 0;

string? Arg(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static void Emit(string workload, string figure, double value, string unit) =>
    Console.WriteLine(JsonSerializer.Serialize(new { workload, figure, value = Math.Round(value, 4), unit }));

static double PeakRssMb()
{
    foreach (var line in File.ReadLines("/proc/self/status"))
    {
        if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            return double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    }

    return Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
}

void GemmShapes()
{
    (string Name, int M, int K, int N, bool TA, bool TB)[] shapes =
    [
        ("64x64x64", 64, 64, 64, false, false), ("128x784x256", 128, 784, 256, false, false),
        ("256x256x256", 256, 256, 256, false, false), ("512x512x512", 512, 512, 512, false, false),
        ("1024x1024x1024", 1024, 1024, 1024, false, false), ("2048x2048x2048", 2048, 2048, 2048, false, false),
        ("AtB_128x784x256", 128, 784, 256, true, false), ("ABt_128x784x256", 128, 784, 256, false, true),
        ("AtB_512x512x512", 512, 512, 512, true, false), ("ABt_512x512x512", 512, 512, 512, false, true),
    ];
    foreach (var s in shapes)
        Emit("gemm_" + s.Name, "GFLOP/s", GemmWorkload.Measure(s.M, s.K, s.N, s.TA, s.TB, Parallelism.NumThreads, seconds), "GFLOP/s");
}

void Moons()
{
    Generator.ManualSeed(0);
    var (x, labels) = Synthetic.MakeMoons(1000, noise: 0.1, generator: new Generator(0));
    var y = labels.To(DType.Float32).Unsqueeze(1);
    var model = new Sequential(new Linear(2, 16), new ReLU(), new Linear(16, 16), new ReLU(), new Linear(16, 1));
    var optimizer = new SGD(model.Parameters(), lr: 0.1);

    void Step()
    {
        using var scope = TensorScope.Begin();
        var loss = Functional.BinaryCrossEntropyWithLogits(model.Forward(x), y);
        optimizer.ZeroGrad(setToNone: false);
        loss.Backward();
        optimizer.Step();
    }

    // Steady state: the JIT recompiles hot methods with profile data during the first seconds of a run.
    var warmup = Stopwatch.StartNew();
    while (warmup.Elapsed.TotalSeconds < warmupSeconds) Step();
    var watch = Stopwatch.StartNew();
    for (int i = 0; i < steps; i++) Step();
    Emit("moons", "steps/s", steps / watch.Elapsed.TotalSeconds, "steps/s");
    using (Autograd.NoGrad()) Emit("moons", "train_accuracy", Metrics.Accuracy(model.Forward(x), labels), "fraction");
}

// The language-model workloads: 10 warm-up and 200 timed Adam steps (lr 1e-3) of next-token cross-entropy on random
// tokens of a 96-character vocabulary, sequences of 64, batch 32; `logits` maps (N, T) tokens to (N, T, 96).
void LanguageModel(string name, IEnumerable<Tensor> parameters, Func<Tensor, Tensor> logits)
{
    const int Vocabulary = 96, Sequence = 64, Batch = 32, WarmupSteps = 10, TimedSteps = 200;
    var optimizer = new Adam(parameters, lr: 1e-3);
    var tokens = new Generator(0);

    void Step()
    {
        using var scope = TensorScope.Begin();
        var batch = Tensor.RandInt(0, Vocabulary, [Batch, Sequence + 1], tokens);
        var loss = Functional.CrossEntropy(logits(batch.Narrow(1, 0, Sequence)).Reshape(-1, Vocabulary), batch.Narrow(1, 1, Sequence).Reshape(-1));
        optimizer.ZeroGrad(setToNone: false);
        loss.Backward();
        optimizer.Step();
    }

    for (int i = 0; i < WarmupSteps; i++) Step();
    var watch = Stopwatch.StartNew();
    for (int i = 0; i < TimedSteps; i++) Step();
    Emit(name, "steps/s", TimedSteps / watch.Elapsed.TotalSeconds, "steps/s");
    Emit(name, "peak_rss_mb", PeakRssMb(), "MB");
}

// Embedding(96, 64) - LSTM(64→256, batch first) - Linear(256→96).
void CharLstm()
{
    Generator.ManualSeed(0);
    var model = new Sequential(new Embedding(96, 64), new LSTM(64, 256, batchFirst: true), new Linear(256, 96));
    LanguageModel("lstm", model.Parameters(), model.Forward);
}

// Embedding(96, 64) - GRU(64→256, batch first) - Linear(256→96).
void CharGru()
{
    Generator.ManualSeed(0);
    var model = new Sequential(new Embedding(96, 64), new GRU(64, 256, batchFirst: true), new Linear(256, 96));
    LanguageModel("gru", model.Parameters(), model.Forward);
}

// Embedding(96, 128) + learned positions - 2 causal post-norm encoder layers (4 heads, feed-forward 512, ReLU,
// dropout 0) - Linear(128 -> 96).
void TransformerLm()
{
    const int Width = 128;
    Generator.ManualSeed(0);
    var tokens = new Embedding(96, Width);
    var positions = new PositionalEmbedding(64, Width, batchFirst: true);
    var encoder = new TransformerEncoder(new TransformerEncoderLayer(Width, 4, 512, dropout: 0, batchFirst: true), 2);
    var head = new Linear(Width, 96);
    LanguageModel("transformer", tokens.Parameters().Concat(positions.Parameters()).Concat(encoder.Parameters()).Concat(head.Parameters()),
        x => head.Forward(encoder.Forward(positions.Forward(tokens.Forward(x)), isCausal: true)));
}

// The cost of one recorded op: adding two 16-element tensors that require grad, so the sum joins the graph.
void Overhead()
{
    var a = Tensor.Randn([16], requiresGrad: true);
    var b = Tensor.Randn([16], requiresGrad: true);
    const int OpsPerScope = 100;
    void Run(int scopes)
    {
        for (int s = 0; s < scopes; s++)
        {
            using var scope = TensorScope.Begin();
            for (int i = 0; i < OpsPerScope; i++) _ = a + b;
        }
    }

    var warmup = Stopwatch.StartNew();
    while (warmup.Elapsed.TotalSeconds < warmupSeconds) Run(100);
    int rounds = 20_000;
    var watch = Stopwatch.StartNew();
    Run(rounds);
    Emit("overhead", "us_per_op", watch.Elapsed.TotalMicroseconds / ((double)rounds * OpsPerScope), "us");
}

// One training step of a deep stack, with and without a checkpoint per block (--variant plain|checkpoint|both), for
// --stack mlp (residual Linear-ReLU-Linear blocks: --blocks 16, --width 1024, --batch 256), lstm (8 LSTM layers of 256
// over sequences of 128, batch 32) or transformer (8 post-norm encoder layers, d_model 256, 4 heads, feed-forward 1024,
// dropout 0, sequence 128, batch 32); --blocks, --width, --batch and --seq override the sizes.
void CheckpointedStack()
{
    string stack = Arg("--stack") ?? "mlp";
    int Size(string name, int mlp, int sequenceModel) =>
        int.Parse(Arg(name) ?? (stack == "mlp" ? mlp : sequenceModel).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    int blocks = Size("--blocks", 16, 8), width = Size("--width", 1024, 256), batch = Size("--batch", 256, 32), seq = Size("--seq", 1, 128);
    string variant = Arg("--variant") ?? "both";
    switch (stack)
    {
        case "mlp":
            CheckpointWorkload.Measure("checkpoint", blocks, _ => new Residual(new Sequential(new Linear(width, width), new ReLU(), new Linear(width, width))),
                Tensor.Randn([batch, width], generator: new Generator(1)), y => y.Square().Mean(), variant, Emit, PeakRssMb);
            break;
        case "lstm":
            CheckpointWorkload.Measure("checkpoint_lstm", blocks, _ => new LSTM(width, width, batchFirst: true),
                Tensor.Randn([batch, seq, width], generator: new Generator(1)), y => y.Square().Mean(), variant, Emit, PeakRssMb);
            break;
        case "transformer":
            CheckpointWorkload.Measure("checkpoint_transformer", blocks, _ => new TransformerEncoderLayer(width, 4, 4 * width, dropout: 0, batchFirst: true),
                Tensor.Randn([batch, seq, width], generator: new Generator(1)), y => y.Square().Mean(), variant, Emit, PeakRssMb);
            break;
        default:
            throw new ArgumentException($"checkpoint workload: --stack must be mlp, lstm or transformer, got '{stack}'.");
    }
}

static Module Mlp()
{
    Generator.ManualSeed(0);
    return new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 128), new ReLU(), new Linear(128, 10));
}

static Module Cnn()
{
    Generator.ManualSeed(0);
    return new Sequential(
        new Conv2d(1, 32, 3, padding: 1), new ReLU(), new MaxPool2d(2),
        new Conv2d(32, 64, 3, padding: 1), new ReLU(), new MaxPool2d(2),
        new Flatten(), new Linear(3136, 128), new ReLU(), new Linear(128, 10));
}

// The CLI's cnn-bn: convolutions without bias, each followed by batch normalisation; dropout before each linear layer.
static Module CnnBn()
{
    Generator.ManualSeed(0);
    return new Sequential(
        new Conv2d(1, 32, 3, padding: 1, bias: false), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
        new Conv2d(32, 64, 3, padding: 1, bias: false), new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
        new Flatten(), new Dropout(0.25), new Linear(3136, 128), new ReLU(),
        new Dropout(0.25), new Linear(128, 10));
}

static void FashionEpoch(string workload, Module model, bool flatten)
{
    var train = FashionMnist.Load(train: true, flatten: flatten);
    var test = FashionMnist.Load(train: false, flatten: flatten);
    var optimizer = new Adam(model.Parameters(), lr: 1e-3);
    var loader = new DataLoader(new TensorDataset(train.Images, train.Labels), batchSize: 128, shuffle: true, generator: new Generator(0));
    long allocated = 0;
    int measuredSteps = 0, step = 0;
    var watch = Stopwatch.StartNew();
    foreach (var (x, y) in loader)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        using (var scope = TensorScope.Begin())
        {
            var loss = Functional.CrossEntropy(model.Forward(x), y);
            optimizer.ZeroGrad(setToNone: false);
            loss.Backward();
            optimizer.Step();
        }
        // The first steps allocate parameter gradients, optimizer state and the pool's buffers.
        if (++step > 10) { allocated += GC.GetAllocatedBytesForCurrentThread() - before; measuredSteps++; }
    }
    double elapsed = watch.Elapsed.TotalSeconds;
    model.Eval();
    double correct = 0;
    using (Autograd.NoGrad())
    {
        for (int i = 0; i < test.Labels.Shape[0]; i += EvalBatch)
        {
            using var scope = TensorScope.Begin();
            int n = Math.Min(EvalBatch, test.Labels.Shape[0] - i);
            correct += Metrics.Accuracy(model.Forward(test.Images.Narrow(0, i, n)), test.Labels.Narrow(0, i, n)) * n;
        }
    }

    Emit(workload, "samples/s", train.Labels.Shape[0] / elapsed, "samples/s");
    Emit(workload, "peak_rss_mb", PeakRssMb(), "MB");
    Emit(workload, "test_accuracy", correct / test.Labels.Shape[0], "fraction");
    Emit(workload, "alloc_bytes_per_step", measuredSteps == 0 ? 0 : (double)allocated / measuredSteps, "bytes");
}
