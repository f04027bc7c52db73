using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

// The benchmark workloads of bench/Nabla.Bench in TorchSharp (LibTorch), printing the same JSON lines as Nabla.Bench
// and bench/peers/pytorch_bench.py. One workload per process, so that peak_rss_mb belongs to that workload alone.
//   dotnet bin/Release/net10.0/TorchSharpBench.dll --workload gemm        (threads: OMP_NUM_THREADS, default all cores)
string workload = Arg("--workload") ?? "gemm";
double seconds = double.Parse(Arg("--seconds") ?? "1", CultureInfo.InvariantCulture);
int steps = int.Parse(Arg("--steps") ?? "2000", CultureInfo.InvariantCulture);
double warmupSeconds = double.Parse(Arg("--warmup-seconds") ?? "3", CultureInfo.InvariantCulture);
const int EvalBatch = 250;
const string FashionDir = "/usr/share/datasets/fashion-mnist";

torch.set_num_threads(int.Parse(Environment.GetEnvironmentVariable("OMP_NUM_THREADS") ?? Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
switch (workload)
{
    case "gemm": Gemm(); break;
    case "moons": Moons(); break;
    case "mlp": FashionEpoch("mlp", Mlp(), flatten: true); break;
    case "cnn": FashionEpoch("cnn", Cnn(), flatten: false); break;
    case "cnnbn": FashionEpoch("cnnbn", CnnBn(), flatten: false); break;
    case "lstm": CharLstm(); break;
    case "gru": CharGru(); break;
    case "transformer": TransformerLm(); break;
    default: Console.Error.WriteLine($"unknown workload '{workload}'"); return 2;
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
        if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            return double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    return Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
}

void Gemm()
{
    (string Name, int M, int K, int N, bool TA, bool TB)[] shapes =
    [
        ("64x64x64", 64, 64, 64, false, false), ("128x784x256", 128, 784, 256, false, false),
        ("256x256x256", 256, 256, 256, false, false), ("512x512x512", 512, 512, 512, false, false),
        ("1024x1024x1024", 1024, 1024, 1024, false, false), ("2048x2048x2048", 2048, 2048, 2048, false, false),
        ("AtB_128x784x256", 128, 784, 256, true, false), ("ABt_128x784x256", 128, 784, 256, false, true),
        ("AtB_512x512x512", 512, 512, 512, true, false), ("ABt_512x512x512", 512, 512, 512, false, true),
    ];
    foreach (var (name, m, k, n, ta, tb) in shapes)
    {
        using var a = ta ? torch.randn(k, m) : torch.randn(m, k);
        using var b = tb ? torch.randn(n, k) : torch.randn(k, n);
        using var aOp = ta ? a.t() : a.alias();
        using var bOp = tb ? b.t() : b.alias();
        using var c = torch.empty(m, n);
        // addmm_ with beta 0 writes the product into c without allocating, as the PyTorch side's matmul(out=c) does.
        void Once() => c.addmm_(aOp, bOp, 0f, 1f);
        // The same method as Nabla's GemmWorkload: a second of warm-up, repetitions of at least 20 ms, the median rate.
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 1) Once();
        long calls = 1;
        var watch = Stopwatch.StartNew();
        while (true)
        {
            watch.Restart();
            for (long i = 0; i < calls; i++) Once();
            if (watch.Elapsed.TotalMilliseconds >= 20) break;
            calls *= 2;
        }
        var rates = new List<double>();
        var total = Stopwatch.StartNew();
        do
        {
            watch.Restart();
            for (long i = 0; i < calls; i++) Once();
            rates.Add(2.0 * m * n * k * calls / watch.Elapsed.TotalSeconds / 1e9);
        }
        while (total.Elapsed.TotalSeconds < seconds || rates.Count < 3);
        rates.Sort();
        Emit("gemm_" + name, "GFLOP/s", rates[rates.Count / 2], "GFLOP/s");
    }
}

// make_moons as scikit-learn draws it (the same definition as the other two sides; noise from this side's generator).
static (Tensor X, Tensor Y) MakeMoons(int n, double noise, int seed)
{
    var random = new Random(seed);
    int nOut = n / 2, nIn = n - nOut;
    var x = new float[n * 2];
    var y = new float[n];
    for (int i = 0; i < nOut; i++)
    {
        double t = nOut == 1 ? 0 : Math.PI * i / (nOut - 1);
        x[2 * i] = (float)Math.Cos(t);
        x[2 * i + 1] = (float)Math.Sin(t);
    }
    for (int i = 0; i < nIn; i++)
    {
        double t = nIn == 1 ? 0 : Math.PI * i / (nIn - 1);
        x[2 * (nOut + i)] = (float)(1 - Math.Cos(t));
        x[2 * (nOut + i) + 1] = (float)(1 - Math.Sin(t) - 0.5);
        y[nOut + i] = 1;
    }
    for (int i = 0; i < x.Length; i++)
    {
        double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
        x[i] += (float)(noise * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
    return (torch.tensor(x, [n, 2]), torch.tensor(y, [n, 1]));
}

void Moons()
{
    torch.manual_seed(0);
    var (x, y) = MakeMoons(1000, 0.1, 0);
    var model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1));
    var optimizer = torch.optim.SGD(model.parameters(), 0.1);
    var lossFn = nn.BCEWithLogitsLoss();

    void Step()
    {
        using var scope = torch.NewDisposeScope();
        optimizer.zero_grad();
        var loss = lossFn.call(model.call(x), y);
        loss.backward();
        optimizer.step();
    }

    var warm = Stopwatch.StartNew();
    while (warm.Elapsed.TotalSeconds < warmupSeconds) Step();
    var watch = Stopwatch.StartNew();
    for (int i = 0; i < steps; i++) Step();
    Emit("moons", "steps/s", steps / watch.Elapsed.TotalSeconds, "steps/s");
    using (torch.no_grad())
    using (var scope = torch.NewDisposeScope())
        Emit("moons", "train_accuracy", (model.call(x) > 0).to_type(ScalarType.Float32).eq(y).to_type(ScalarType.Float32).mean().item<float>(), "fraction");
}

static byte[] ReadIdx(string name, out int[] dims)
{
    string path = Path.Combine(FashionDir, name);
    byte[] data;
    if (File.Exists(path)) data = File.ReadAllBytes(path);
    else
    {
        using var gz = new GZipStream(File.OpenRead(path + ".gz"), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        data = ms.ToArray();
    }
    int ndim = data[3];
    dims = new int[ndim];
    for (int i = 0; i < ndim; i++) dims[i] = (data[4 + 4 * i] << 24) | (data[5 + 4 * i] << 16) | (data[6 + 4 * i] << 8) | data[7 + 4 * i];
    return data[(4 + 4 * ndim)..];
}

static (Tensor X, Tensor Y) Fashion(bool train, bool flatten)
{
    string prefix = train ? "train" : "t10k";
    var pixels = ReadIdx($"{prefix}-images-idx3-ubyte", out var dims);
    var labels = ReadIdx($"{prefix}-labels-idx1-ubyte", out _);
    var x = torch.tensor(Array.ConvertAll(pixels, p => p / 255f), flatten ? [dims[0], dims[1] * dims[2]] : [dims[0], 1, dims[1], dims[2]]);
    var y = torch.tensor(Array.ConvertAll(labels, l => (long)l), [labels.Length]);
    return (x, y);
}

static void FashionEpoch(string workload, nn.Module<Tensor, Tensor> model, bool flatten)
{
    var (x, y) = Fashion(true, flatten);
    var (xt, yt) = Fashion(false, flatten);
    var optimizer = torch.optim.Adam(model.parameters(), 1e-3);
    const int Batch = 128;
    long n = x.shape[0];
    var perm = torch.randperm(n);
    var watch = Stopwatch.StartNew();
    for (long i = 0; i < n; i += Batch)
    {
        using var scope = torch.NewDisposeScope();
        var idx = perm.narrow(0, i, Math.Min(Batch, n - i));
        optimizer.zero_grad();
        var loss = F.cross_entropy(model.call(x.index_select(0, idx)), y.index_select(0, idx));
        loss.backward();
        optimizer.step();
    }
    double elapsed = watch.Elapsed.TotalSeconds;
    model.eval();
    long correct = 0;
    using (torch.no_grad())
    {
        for (long i = 0; i < xt.shape[0]; i += EvalBatch)
        {
            using var scope = torch.NewDisposeScope();
            long m = Math.Min(EvalBatch, xt.shape[0] - i);
            correct += model.call(xt.narrow(0, i, m)).argmax(1).eq(yt.narrow(0, i, m)).sum().item<long>();
        }
    }
    Emit(workload, "samples/s", n / elapsed, "samples/s");
    Emit(workload, "peak_rss_mb", PeakRssMb(), "MB");
    Emit(workload, "test_accuracy", (double)correct / xt.shape[0], "fraction");
}

static nn.Module<Tensor, Tensor> Mlp()
{
    torch.manual_seed(0);
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10));
}

static nn.Module<Tensor, Tensor> Cnn()
{
    torch.manual_seed(0);
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding: 1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding: 1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10));
}

// The CLI's cnn-bn: convolutions without bias, each followed by batch normalisation; dropout before each linear layer.
static nn.Module<Tensor, Tensor> CnnBn()
{
    torch.manual_seed(0);
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding: 1, bias: false), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding: 1, bias: false), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.25), nn.Linear(3136, 128), nn.ReLU(),
        nn.Dropout(0.25), nn.Linear(128, 10));
}

// 10 warm-up and 200 timed Adam steps (lr 1e-3) of next-token cross-entropy on random tokens of a 96-character
// vocabulary, sequences of 64, batch 32; `logits` maps (N, T) tokens to (N, T, 96).
static void LanguageModel(string name, IEnumerable<TorchSharp.Modules.Parameter> parameters, Func<Tensor, Tensor> logits)
{
    const int Vocabulary = 96, Sequence = 64, Batch = 32;
    var optimizer = torch.optim.Adam(parameters, 1e-3);

    void Step()
    {
        using var scope = torch.NewDisposeScope();
        var tokens = torch.randint(0, Vocabulary, [Batch, Sequence + 1]);
        var loss = F.cross_entropy(logits(tokens.narrow(1, 0, Sequence)).reshape(-1, Vocabulary), tokens.narrow(1, 1, Sequence).reshape(-1));
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
    }

    for (int i = 0; i < 10; i++) Step();
    var watch = Stopwatch.StartNew();
    for (int i = 0; i < 200; i++) Step();
    Emit(name, "steps/s", 200 / watch.Elapsed.TotalSeconds, "steps/s");
    Emit(name, "peak_rss_mb", PeakRssMb(), "MB");
}

// Embedding(96, 64) - LSTM(64 -> 256, batch first) - Linear(256 -> 96).
void CharLstm()
{
    torch.manual_seed(0);
    var embedding = nn.Embedding(96, 64);
    var lstm = nn.LSTM(64, 256, batchFirst: true);
    var head = nn.Linear(256, 96);
    var parameters = embedding.parameters().Concat(lstm.parameters()).Concat(head.parameters()).ToList();
    LanguageModel("lstm", parameters, x => head.call(lstm.call(embedding.call(x)).Item1));
}

// Embedding(96, 64) - GRU(64 -> 256, batch first) - Linear(256 -> 96).
void CharGru()
{
    torch.manual_seed(0);
    var embedding = nn.Embedding(96, 64);
    var gru = nn.GRU(64, 256, batchFirst: true);
    var head = nn.Linear(256, 96);
    var parameters = embedding.parameters().Concat(gru.parameters()).Concat(head.parameters()).ToList();
    LanguageModel("gru", parameters, x => head.call(gru.call(embedding.call(x)).Item1));
}

// Embedding(96, 128) + learned positions - 2 causal post-norm encoder layers (4 heads, feed-forward 512, ReLU,
// dropout 0) - Linear(128 -> 96). TorchSharp's encoder takes (T, N, E), so the batch is transposed around it.
void TransformerLm()
{
    const int Width = 128, Length = 64;
    torch.manual_seed(0);
    var tokens = nn.Embedding(96, Width);
    var positions = nn.Embedding(Length, Width);
    var encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(Width, 4, 512, 0.0), 2);
    var head = nn.Linear(Width, 96);
    var parameters = tokens.parameters().Concat(positions.parameters()).Concat(encoder.parameters()).Concat(head.parameters()).ToList();
    var mask = torch.triu(torch.full(Length, Length, float.NegativeInfinity), 1);
    var pos = torch.arange(Length);
    LanguageModel("transformer", parameters,
        x => head.call(encoder.call((tokens.call(x) + positions.call(pos)).transpose(0, 1), mask).transpose(0, 1)));
}
