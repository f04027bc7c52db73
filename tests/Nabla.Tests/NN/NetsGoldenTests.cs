using Nabla.NN;

namespace Nabla.Tests.NN;

/// <summary>
/// The four networks of tests/golden/nets.json, built from Linear and activation modules: loss and every parameter
/// gradient at the given parameters must match PyTorch to 1e-10 (the optimizer runs are tested with Optim).
/// </summary>
public sealed class NetsGoldenTests
{
    public static TheoryData<string> NetNames()
    {
        var data = new TheoryData<string>();
        foreach (var n in NNGoldenLoader.Load("nets.json").RootElement.GetProperty("nets").EnumerateArray())
            data.Add(n.GetProperty("name").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(NetNames))]
    public void LossAndParameterGradientsMatchPyTorch(string name)
    {
        var net = NNGoldenLoader.Load("nets.json").RootElement.GetProperty("nets").EnumerateArray()
            .Single(n => n.GetProperty("name").GetString() == name);
        var model = new Sequential();
        foreach (var layer in net.GetProperty("layers").EnumerateArray())
        {
            model.Add(layer.GetProperty("type").GetString() switch
            {
                "linear" => new Linear(layer.GetProperty("in").GetInt32(), layer.GetProperty("out").GetInt32(), dtype: DType.Float64),
                "tanh" => new Tanh(),
                "sigmoid" => new Sigmoid(),
                "relu" => new ReLU(),
                var t => throw new ArgumentException("unknown layer " + t),
            });
        }

        var state = new Dictionary<string, Tensor>();
        foreach (var p in net.GetProperty("params").EnumerateObject())
            state[p.Name] = NNGoldenLoader.ToTensor(p.Value, DType.Float64);
        Assert.Empty(model.LoadStateDict(state).MissingKeys);

        var x = NNGoldenLoader.ToTensor(net.GetProperty("x"), DType.Float64);
        var y = NNGoldenLoader.ToTensor(net.GetProperty("y"), DType.Float64);
        var output = model.Forward(x);
        var loss = net.GetProperty("loss_fn").GetString() switch
        {
            "mse" => Functional.MseLoss(output, y),
            "bce_with_logits" => Functional.BinaryCrossEntropyWithLogits(output, y),
            "cross_entropy" => Functional.CrossEntropy(output, y),
            var l => throw new ArgumentException("unknown loss " + l),
        };
        double expectedLoss = net.GetProperty("loss").GetDouble();
        Assert.True(Math.Abs(loss.Item() - expectedLoss) <= 1e-10 * Math.Max(1, Math.Abs(expectedLoss)), $"loss {loss.Item():R}, expected {expectedLoss:R}");

        model.ZeroGrad();
        loss.Backward();
        var named = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        var grads = net.GetProperty("grads").EnumerateObject().ToList();
        Assert.Equal(named.Keys.Order(), grads.Select(g => g.Name).Order());
        foreach (var g in grads)
            NNTestUtil.AssertClose(NNGoldenLoader.Data(g.Value), NNGoldenLoader.Shape(g.Value), named[g.Name].Grad!, 1e-10, $"{name} d loss / d {g.Name}");
    }
}
