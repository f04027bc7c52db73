using System.Text.Json;
using Nabla.Optim;

namespace Nabla.Tests.Optim;

/// <summary>Every optimizer against torch.optim on fixed parameters and gradient sequences (tests/golden/optim.json).</summary>
public class OptimizerGoldenTests
{
    public static TheoryData<string> Cases => OptimGolden.Names("optimizers");

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorchStepByStep(string name)
    {
        var c = OptimGolden.Case("optimizers", name);
        var dtype = c.GetProperty("dtype").GetString() == "float32" ? DType.Float32 : DType.Float64;
        // float32 runs accumulate rounding differently from PyTorch's kernels; float64 must agree to the last bits.
        double rtol = dtype == DType.Float64 ? 1e-12 : 2e-5, atol = dtype == DType.Float64 ? 1e-15 : 1e-6;
        var parameters = c.GetProperty("params").EnumerateArray().Select(p => OptimGolden.ToTensor(p, dtype).SetRequiresGrad()).ToArray();
        var optimizer = Build(c.GetProperty("optimizer").GetString()!, c.GetProperty("defaults"), c.GetProperty("groups"), parameters);

        var grads = c.GetProperty("grads").EnumerateArray().ToArray();
        var after = c.GetProperty("after").EnumerateArray().ToArray();
        for (int step = 0; step < grads.Length; step++)
        {
            var stepGrads = grads[step].EnumerateArray().ToArray();
            for (int i = 0; i < parameters.Length; i++)
                parameters[i].Grad = stepGrads[i].ValueKind == JsonValueKind.Null ? null : OptimGolden.ToTensor(stepGrads[i], dtype);
            optimizer.Step();
            var expected = after[step].EnumerateArray().ToArray();
            for (int i = 0; i < parameters.Length; i++)
                OptimGolden.AssertClose(OptimGolden.Doubles(expected[i].GetProperty("data")), parameters[i].ToDoubleArray(), rtol, atol, $"{name} step {step + 1} parameter {i}");
        }
    }

    /// <summary>The Nabla optimizer that the fixture's torch keyword arguments describe.</summary>
    internal static Optimizer Build(string kind, JsonElement defaults, JsonElement groups, Tensor[] parameters)
    {
        var paramGroups = groups.EnumerateArray().Select(g =>
        {
            var options = g.GetProperty("options");
            return new ParamGroup(g.GetProperty("params").EnumerateArray().Select(i => parameters[i.GetInt32()]),
                lr: Number(options, "lr"), weightDecay: Number(options, "weight_decay"));
        }).ToList();
        double D(string key, double fallback) => Number(defaults, key) ?? fallback;
        bool B(string key) => defaults.TryGetProperty(key, out var v) && v.GetBoolean();
        double[] betas = defaults.TryGetProperty("betas", out var b) ? OptimGolden.Doubles(b) : [0.9, 0.999];
        return kind switch
        {
            "SGD" => new SGD(paramGroups, lr: D("lr", 0), momentum: D("momentum", 0), dampening: D("dampening", 0),
                weightDecay: D("weight_decay", 0), nesterov: B("nesterov"), maximize: B("maximize")),
            "Adam" => new Adam(paramGroups, lr: D("lr", 1e-3), beta1: betas[0], beta2: betas[1], eps: D("eps", 1e-8),
                weightDecay: D("weight_decay", 0), amsgrad: B("amsgrad"), maximize: B("maximize")),
            "AdamW" => new AdamW(paramGroups, lr: D("lr", 1e-3), beta1: betas[0], beta2: betas[1], eps: D("eps", 1e-8),
                weightDecay: D("weight_decay", 1e-2), amsgrad: B("amsgrad"), maximize: B("maximize")),
            "RMSprop" => new RMSprop(paramGroups, lr: D("lr", 1e-2), alpha: D("alpha", 0.99), eps: D("eps", 1e-8),
                weightDecay: D("weight_decay", 0), momentum: D("momentum", 0), centered: B("centered"), maximize: B("maximize")),
            "Adagrad" => new Adagrad(paramGroups, lr: D("lr", 1e-2), lrDecay: D("lr_decay", 0), weightDecay: D("weight_decay", 0),
                initialAccumulatorValue: D("initial_accumulator_value", 0), eps: D("eps", 1e-10), maximize: B("maximize")),
            "Adadelta" => new Adadelta(paramGroups, lr: D("lr", 1.0), rho: D("rho", 0.9), eps: D("eps", 1e-6),
                weightDecay: D("weight_decay", 0), maximize: B("maximize")),
            "Adamax" => new Adamax(paramGroups, lr: D("lr", 2e-3), beta1: betas[0], beta2: betas[1], eps: D("eps", 1e-8),
                weightDecay: D("weight_decay", 0), maximize: B("maximize")),
            "NAdam" => new NAdam(paramGroups, lr: D("lr", 2e-3), beta1: betas[0], beta2: betas[1], eps: D("eps", 1e-8),
                weightDecay: D("weight_decay", 0), momentumDecay: D("momentum_decay", 4e-3)),
            "RAdam" => new RAdam(paramGroups, lr: D("lr", 1e-3), beta1: betas[0], beta2: betas[1], eps: D("eps", 1e-8),
                weightDecay: D("weight_decay", 0)),
            _ => throw new ArgumentException($"unknown optimizer {kind} in optim.json"),
        };
    }

    private static double? Number(JsonElement obj, string key) => obj.TryGetProperty(key, out var v) ? v.GetDouble() : null;
}
