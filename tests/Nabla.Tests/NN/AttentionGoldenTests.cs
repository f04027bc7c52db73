using System.Globalization;
using System.Text.Json;
using Nabla.NN;

namespace Nabla.Tests.NN;

/// <summary>
/// Attention and the Transformer layers against PyTorch 1.13 (tests/golden/attention.json, written by
/// make_attention_golden.py): each case's PyTorch state dict is loaded into the Nabla layer (strictly, so the keys
/// must be PyTorch's), then the output, the attention weights and the gradients of every input and parameter are
/// compared in float64.
/// </summary>
public sealed class AttentionGoldenTests
{
    private const double Rtol = 1e-9;
    private static readonly Lazy<JsonDocument> Fixture = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(NNGoldenLoader.GoldenDir, "attention.json"))));

    /// <summary>Every case name of the fixture.</summary>
    public static TheoryData<string> CaseNames => [.. Cases().Select(c => c.GetProperty("name").GetString()!)];

    private static JsonElement.ArrayEnumerator Cases() => Fixture.Value.RootElement.GetProperty("cases").EnumerateArray();

    [Fact]
    public void FixtureCoversEveryKind()
    {
        var kinds = Cases().Select(c => c.GetProperty("kind").GetString()).ToHashSet();
        Assert.Equal(["decoder_layer", "encoder", "encoder_layer", "mha", "positional_encoding", "sdpa", "transformer"], kinds.Order());
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesPyTorch(string name)
    {
        var c = Cases().Single(e => e.GetProperty("name").GetString() == name);
        var config = c.GetProperty("config");
        var inputs = new Dictionary<string, Tensor>();
        foreach (var p in c.GetProperty("inputs").EnumerateObject())
        {
            var t = ToTensor(p.Value);
            inputs[p.Name] = p.Value.GetProperty("grad").GetBoolean() ? t.SetRequiresGrad() : t;
        }
        Tensor? Input(string key) => inputs.GetValueOrDefault(key);

        Module? module = null;
        Tensor output;
        Tensor? weights = null;
        switch (c.GetProperty("kind").GetString())
        {
            case "sdpa":
                var key = Bool(config, "key_transposed") ? inputs["key"].Transpose(-2, -1) : inputs["key"];
                output = Functional.ScaledDotProductAttention(inputs["query"], key, inputs["value"], Input("attn_mask"),
                    isCausal: Bool(config, "is_causal"), scale: NullableDouble(config, "scale"));
                break;
            case "mha":
                var mha = new MultiheadAttention(Int(config, "embed_dim"), Int(config, "num_heads"), bias: Bool(config, "bias"),
                    kdim: NullableInt(config, "kdim"), vdim: NullableInt(config, "vdim"), batchFirst: Bool(config, "batch_first"), dtype: DType.Float64);
                module = mha;
                var q = inputs["query"];
                var k = Bool(config, "self_attention") ? q : inputs["key"];
                var v = Bool(config, "self_attention") ? q : Bool(config, "kv_same") ? k : inputs["value"];
                int l = q.Shape[mha.BatchFirst && q.Rank == 3 ? 1 : 0];
                var attnMask = String(config, "attn_mask") == "square_subsequent" ? Transformer.GenerateSquareSubsequentMask(l, DType.Float64) : Input("attn_mask");
                (output, weights) = Load(mha, c).Forward(q, k, v, Input("key_padding_mask"), Bool(config, "need_weights"), attnMask, Bool(config, "average_attn_weights"));
                break;
            case "encoder_layer":
                var encoderLayer = Load(EncoderLayer(config), c);
                module = encoderLayer;
                output = encoderLayer.Forward(inputs["src"], SquareOrInput(config, "src_mask", inputs["src"], encoderLayer.BatchFirst, Input), Input("src_key_padding_mask"));
                break;
            case "encoder":
                var encoder = new TransformerEncoder(EncoderLayer(config), Int(config, "num_layers"), Bool(config, "norm") ? new LayerNorm(Int(config, "d_model"), dtype: DType.Float64) : null);
                module = Load(encoder, c);
                output = encoder.Forward(inputs["src"], SquareOrInput(config, "src_mask", inputs["src"], encoder[0].BatchFirst, Input), Input("src_key_padding_mask"));
                break;
            case "decoder_layer":
                var decoderLayer = Load(new TransformerDecoderLayer(Int(config, "d_model"), Int(config, "nhead"), Int(config, "dim_feedforward"), 0, String(config, "activation")!,
                    Double(config, "layer_norm_eps"), Bool(config, "batch_first"), Bool(config, "norm_first"), dtype: DType.Float64), c);
                module = decoderLayer;
                output = decoderLayer.Forward(inputs["tgt"], inputs["memory"], SquareOrInput(config, "tgt_mask", inputs["tgt"], decoderLayer.BatchFirst, Input),
                    tgtKeyPaddingMask: Input("tgt_key_padding_mask"), memoryKeyPaddingMask: Input("memory_key_padding_mask"));
                break;
            case "transformer":
                var transformer = Load(new Transformer(Int(config, "d_model"), Int(config, "nhead"), Int(config, "num_encoder_layers"), Int(config, "num_decoder_layers"),
                    Int(config, "dim_feedforward"), 0, String(config, "activation")!, Double(config, "layer_norm_eps"), Bool(config, "batch_first"), Bool(config, "norm_first"),
                    dtype: DType.Float64), c);
                module = transformer;
                var kpm = inputs["src_key_padding_mask"];
                output = transformer.Forward(inputs["src"], inputs["tgt"], tgtMask: SquareOrInput(config, "tgt_mask", inputs["tgt"], transformer.BatchFirst, Input),
                    srcKeyPaddingMask: kpm, memoryKeyPaddingMask: kpm);
                break;
            case "positional_encoding":
                var encoding = Load(new PositionalEncoding(Int(config, "d_model"), 0, Int(config, "max_len"), dtype: DType.Float64), c);
                module = encoding;
                output = encoding.Forward(inputs["input"]);
                break;
            default:
                throw new InvalidDataException($"{name}: unknown kind.");
        }

        AssertClose(name, "output", ToTensor(c.GetProperty("output")), output);
        var expectedWeights = c.GetProperty("weights");
        if (expectedWeights.ValueKind == JsonValueKind.Null) Assert.Null(weights);
        else AssertClose(name, "weights", ToTensor(expectedWeights), weights!);

        output.Backward(ToTensor(c.GetProperty("grad_output")));
        var parameters = module?.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter) ?? [];
        foreach (var g in c.GetProperty("grads").EnumerateObject())
        {
            var tensor = inputs.TryGetValue(g.Name, out var input) ? input : parameters[g.Name];
            Assert.True(tensor.Grad is not null, $"{name}: {g.Name} has no gradient.");
            AssertClose(name, "gradient of " + g.Name, ToTensor(g.Value), tensor.Grad!);
        }
        Assert.Equal(parameters.Count, c.GetProperty("grads").EnumerateObject().Count(g => !inputs.ContainsKey(g.Name)));
    }

    private static TransformerEncoderLayer EncoderLayer(JsonElement config) =>
        new(Int(config, "d_model"), Int(config, "nhead"), Int(config, "dim_feedforward"), 0, String(config, "activation")!, Double(config, "layer_norm_eps"),
            Bool(config, "batch_first"), Bool(config, "norm_first"), dtype: DType.Float64);

    private static Tensor? SquareOrInput(JsonElement config, string name, Tensor sequence, bool batchFirst, Func<string, Tensor?> input) =>
        String(config, name) == "square_subsequent"
            ? Transformer.GenerateSquareSubsequentMask(sequence.Shape[batchFirst && sequence.Rank == 3 ? 1 : 0], DType.Float64)
            : input(name);

    private static T Load<T>(T module, JsonElement c) where T : Module
    {
        var state = c.GetProperty("state").EnumerateObject().ToDictionary(p => p.Name, p => ToTensor(p.Value));
        module.LoadStateDict(state);
        return module;
    }

    private static bool Bool(JsonElement config, string name) => config.GetProperty(name).GetBoolean();

    private static int Int(JsonElement config, string name) => config.GetProperty(name).GetInt32();

    private static double Double(JsonElement config, string name) => config.GetProperty(name).GetDouble();

    private static int? NullableInt(JsonElement config, string name) =>
        config.GetProperty(name).ValueKind == JsonValueKind.Null ? null : config.GetProperty(name).GetInt32();

    private static double? NullableDouble(JsonElement config, string name) =>
        config.GetProperty(name).ValueKind == JsonValueKind.Null ? null : config.GetProperty(name).GetDouble();

    private static string? String(JsonElement config, string name) =>
        config.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static Tensor ToTensor(JsonElement json)
    {
        var shape = json.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        var data = json.GetProperty("data");
        var flat = json.TryGetProperty("dtype", out var d) && d.GetString() == "int64"
            ? Tensor.FromArray(data.EnumerateArray().Select(v => v.GetInt64()).ToArray())
            : Tensor.FromArray(data.EnumerateArray().Select(v => v.GetDouble()).ToArray());
        return flat.Reshape(shape);
    }

    private static void AssertClose(string name, string what, Tensor expected, Tensor actual)
    {
        Assert.True(expected.Shape.SequenceEqual(actual.Shape), $"{name} {what}: shape [{string.Join(", ", actual.Shape)}], expected [{string.Join(", ", expected.Shape)}].");
        var e = expected.ToDoubleArray();
        var a = actual.ToDoubleArray();
        double floor = 0.1 * Rtol * e.Select(Math.Abs).DefaultIfEmpty(0).Max();
        for (int i = 0; i < e.Length; i++)
        {
            if (!(Math.Abs(a[i] - e[i]) <= Rtol * Math.Abs(e[i]) + floor))
                Assert.Fail(string.Create(CultureInfo.InvariantCulture, $"{name} {what}: flat element {i} is {a[i]:R}, expected {e[i]:R}."));
        }
    }
}
