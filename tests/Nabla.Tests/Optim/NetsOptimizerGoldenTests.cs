using System.Text.Json;
using Nabla.Optim;

namespace Nabla.Tests.Optim;

/// <summary>
/// The optimizer runs of tests/golden/nets.json: small MLPs built from plain tensors, trained full-batch
/// with SGD, Adam and SGD-momentum; parameters and loss after the run must match PyTorch.
/// </summary>
public class NetsOptimizerGoldenTests
{
    public static TheoryData<string, string> Runs()
    {
        var data = new TheoryData<string, string>();
        foreach (var net in OptimGolden.Nets.GetProperty("nets").EnumerateArray())
        {
            foreach (var run in net.GetProperty("after").EnumerateObject())
                data.Add(net.GetProperty("name").GetString()!, run.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void TrainingRunMatchesPyTorch(string netName, string run)
    {
        var net = OptimGolden.Nets.GetProperty("nets").EnumerateArray().Single(n => n.GetProperty("name").GetString() == netName);
        var parameters = net.GetProperty("params").EnumerateObject()
            .ToDictionary(p => p.Name, p => OptimGolden.ToTensor(p.Value).SetRequiresGrad());
        var x = OptimGolden.ToTensor(net.GetProperty("x"));
        var yJson = net.GetProperty("y");
        var y = yJson.TryGetProperty("dtype", out var dt) && dt.GetString() == "int64"
            ? Tensor.FromArray(yJson.GetProperty("data").EnumerateArray().Select(e => e.GetInt64()).ToArray(), yJson.GetProperty("shape")[0].GetInt32())
            : OptimGolden.ToTensor(yJson);
        var layers = net.GetProperty("layers").EnumerateArray().ToArray();
        string lossFn = net.GetProperty("loss_fn").GetString()!;
        Tensor Loss() => Criterion(lossFn, Forward(layers, parameters, x), y);

        var (optimizer, steps) = Optimizer(run, parameters.Values);
        for (int i = 0; i < steps; i++)
        {
            optimizer.ZeroGrad();
            Loss().Backward();
            optimizer.Step();
        }

        foreach (var (key, expected) in net.GetProperty("after").GetProperty(run).EnumerateObject().Select(p => (p.Name, p.Value)))
            OptimGolden.AssertClose(OptimGolden.Doubles(expected.GetProperty("data")), parameters[key].ToDoubleArray(), 1e-10, 1e-13, $"{netName} {run} {key}");
        double lossAfter;
        using (Autograd.NoGrad()) lossAfter = Loss().Item();
        OptimGolden.AssertClose([net.GetProperty("loss_after").GetProperty(run).GetDouble()], [lossAfter], 1e-10, 1e-13, $"{netName} {run} loss_after");
    }

    /// <summary>The run names of make_golden.py: optimizer, learning rate and number of steps.</summary>
    private static (Nabla.Optim.Optimizer, int) Optimizer(string run, IEnumerable<Tensor> parameters) => run switch
    {
        "sgd_lr_0.1_1step" => (new SGD(parameters, lr: 0.1), 1),
        "sgd_lr_0.5_10steps" => (new SGD(parameters, lr: 0.5), 10),
        "adam_lr_0.01_3steps" => (new Adam(parameters, lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8), 3),
        "sgd_momentum_0.9_lr_0.05_3steps" => (new SGD(parameters, lr: 0.05, momentum: 0.9, dampening: 0), 3),
        _ => throw new ArgumentException($"unknown run {run} in nets.json"),
    };

    /// <summary>The nn.Sequential of the fixture: linear layers as x·Wᵀ + b and the named activations.</summary>
    private static Tensor Forward(JsonElement[] layers, Dictionary<string, Tensor> p, Tensor x)
    {
        var h = x;
        for (int i = 0; i < layers.Length; i++)
        {
            h = layers[i].GetProperty("type").GetString() switch
            {
                "linear" => h.MatMul(p[$"{i}.weight"].T) + p[$"{i}.bias"],
                "tanh" => h.Tanh(),
                "sigmoid" => h.Sigmoid(),
                "relu" => h.Relu(),
                var t => throw new ArgumentException($"unknown layer {t} in nets.json"),
            };
        }
        return h;
    }

    private static Tensor Criterion(string name, Tensor output, Tensor target) => name switch
    {
        "mse" => (output - target).Square().Mean(),
        // max(x, 0) − x·y + log(1 + e^(−|x|)), the stable form of BCE on logits.
        "bce_with_logits" => (output.Relu() - output * target + (-output.Abs()).Exp().Log1p()).Mean(),
        "cross_entropy" => -output.LogSoftmax(1).Gather(1, target.Unsqueeze(1)).Mean(),
        _ => throw new ArgumentException($"unknown loss {name} in nets.json"),
    };
}
