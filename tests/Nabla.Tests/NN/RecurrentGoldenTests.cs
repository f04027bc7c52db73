using System.Text.Json;
using Nabla.IO;
using Nabla.NN;

namespace Nabla.Tests.NN;

/// <summary>
/// The recurrent layers and cells against tests/golden/rnn.json (make_rnn_golden.py): PyTorch's state dict loads into
/// Nabla's layer with the same keys in the same order, and the outputs, the final states and the gradients of the
/// input, the initial states and every parameter match PyTorch's to 1e-10 in float64.
/// </summary>
public sealed class RecurrentGoldenTests
{
    private const double Rtol = 1e-10;

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Root.GetProperty("cases").EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    private static JsonElement Root => NNGoldenLoader.Load("rnn.json").RootElement;

    private static Tensor? Optional(JsonElement c, string key) =>
        c.GetProperty(key).ValueKind == JsonValueKind.Null ? null : NNGoldenLoader.ToTensor(c.GetProperty(key), DType.Float64);

    private static Module Build(string kind, JsonElement config)
    {
        int input = config.GetProperty("input_size").GetInt32(), hidden = config.GetProperty("hidden_size").GetInt32();
        int layers = config.GetProperty("num_layers").GetInt32();
        bool bias = config.GetProperty("bias").GetBoolean(), batchFirst = config.GetProperty("batch_first").GetBoolean();
        bool bidirectional = config.GetProperty("bidirectional").GetBoolean();
        string nonlinearity = config.GetProperty("nonlinearity").GetString()!;
        return kind switch
        {
            "RNN" => new RNN(input, hidden, layers, nonlinearity, bias, batchFirst, 0, bidirectional, DType.Float64),
            "LSTM" => new LSTM(input, hidden, layers, bias, batchFirst, 0, bidirectional, DType.Float64),
            "GRU" => new GRU(input, hidden, layers, bias, batchFirst, 0, bidirectional, DType.Float64),
            "RNNCell" => new RNNCell(input, hidden, bias, nonlinearity, DType.Float64),
            "LSTMCell" => new LSTMCell(input, hidden, bias, DType.Float64),
            "GRUCell" => new GRUCell(input, hidden, bias, DType.Float64),
            _ => throw new ArgumentException("unknown kind " + kind),
        };
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void OutputsStatesAndGradientsMatchPyTorch(string name)
    {
        var c = Root.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        string kind = c.GetProperty("kind").GetString()!;
        var module = Build(kind, c.GetProperty("config"));
        var state = new Dictionary<string, Tensor>();
        var torchKeys = new List<string>();
        foreach (var p in c.GetProperty("state_dict").EnumerateObject())
        {
            state[p.Name] = NNGoldenLoader.ToTensor(p.Value, DType.Float64);
            torchKeys.Add(p.Name);
        }
        Assert.Equal(torchKeys, module.StateDict().Keys);
        module.LoadStateDict(state);

        var x = Optional(c, "input")!.SetRequiresGrad();
        var h0 = Optional(c, "h0")?.SetRequiresGrad();
        var c0 = Optional(c, "c0")?.SetRequiresGrad();
        var lengthsJson = c.GetProperty("lengths");
        var lengths = lengthsJson.ValueKind == JsonValueKind.Null ? null : Tensor.FromArray(lengthsJson.EnumerateArray().Select(v => v.GetInt64()).ToArray());
        Tensor output, hn;
        Tensor? cn = null;
        switch (module)
        {
            case RNN rnn: (output, hn) = rnn.Forward(x, h0, lengths); break;
            case GRU gru: (output, hn) = gru.Forward(x, h0, lengths); break;
            case LSTM lstm: (output, (hn, cn)) = lstm.Forward(x, h0 is null ? null : (h0, c0!), lengths); break;
            case RNNCell cell: output = hn = cell.Forward(x, h0); break;
            case GRUCell cell: output = hn = cell.Forward(x, h0); break;
            case LSTMCell cell: (output, cn) = cell.Forward(x, h0 is null ? null : (h0, c0!)); hn = output; break;
            default: throw new InvalidOperationException();
        }

        NNTestUtil.AssertClose(Optional(c, "output")!, output, Rtol, name + " output");
        NNTestUtil.AssertClose(Optional(c, "h_n")!, hn, Rtol, name + " h_n");
        if (Optional(c, "c_n") is { } expectedC) NNTestUtil.AssertClose(expectedC, cn!, Rtol, name + " c_n");

        var loss = (output * Optional(c, "grad_output")!).Sum();
        if (Optional(c, "grad_h_n") is { } gh) loss += (hn * gh).Sum();
        if (Optional(c, "grad_c_n") is { } gc) loss += (cn! * gc).Sum();
        loss.Backward();
        var parameters = module.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        int checkedGrads = 0;
        foreach (var g in c.GetProperty("grads").EnumerateObject())
        {
            var leaf = g.Name switch { "input" => x, "h0" => h0!, "c0" => c0!, _ => parameters[g.Name] };
            Assert.True(leaf.Grad is not null, $"{name}: no gradient for {g.Name}");
            NNTestUtil.AssertClose(NNGoldenLoader.ToTensor(g.Value, DType.Float64), leaf.Grad!, Rtol, $"{name} gradient of {g.Name}");
            checkedGrads++;
        }
        Assert.Equal(1 + (h0 is null ? 0 : 1) + (c0 is null ? 0 : 1) + parameters.Count, checkedGrads);
    }

    [Fact]
    public void TorchStateDictSavedAsSafetensorsLoadsAndGivesTorchsOutputs()
    {
        var s = Root.GetProperty("safetensors");
        var config = s.GetProperty("config");
        var lstm = new LSTM(config.GetProperty("input_size").GetInt32(), config.GetProperty("hidden_size").GetInt32(), config.GetProperty("num_layers").GetInt32(),
            batchFirst: config.GetProperty("batch_first").GetBoolean(), bidirectional: config.GetProperty("bidirectional").GetBoolean());
        var file = SafeTensors.Load(Path.Combine(NNGoldenLoader.GoldenDir, s.GetProperty("file").GetString()!));
        lstm.LoadStateDict(file.Tensors);
        using var noGrad = Autograd.NoGrad();
        var output = lstm.Forward(NNGoldenLoader.ToTensor(s.GetProperty("input"), DType.Float32)).Output;
        NNTestUtil.AssertClose(NNGoldenLoader.ToTensor(s.GetProperty("output"), DType.Float32), output, 1e-5, "LSTM from safetensors");
    }
}
