using System.Text.Json;
using Nabla.Optim;
using Nabla.Optim.Schedulers;

namespace Nabla.Tests.Optim;

/// <summary>Every schedule's learning-rate (and momentum) sequence against torch.optim.lr_scheduler (tests/golden/optim.json).</summary>
public class SchedulerGoldenTests
{
    public static TheoryData<string> Cases => OptimGolden.Names("schedulers");

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorchStepByStep(string name)
    {
        var c = OptimGolden.Case("schedulers", name);
        var optimizer = BuildOptimizer(c.GetProperty("optimizer"));
        string kind = c.GetProperty("scheduler").GetString()!;
        var args = c.GetProperty("args");
        var lrs = c.GetProperty("lrs").EnumerateArray().Select(OptimGolden.Doubles).ToArray();
        var momentums = c.TryGetProperty("momentums", out var m) ? m.EnumerateArray().Select(OptimGolden.Doubles).ToArray() : null;
        var metrics = c.TryGetProperty("metrics", out var mt) ? OptimGolden.Doubles(mt) : null;

        Action<int> step;
        if (kind == "ReduceLROnPlateau")
        {
            var plateau = BuildPlateau(optimizer, args);
            step = i => plateau.Step(metrics![i]);
        }
        else
        {
            var scheduler = kind == "SequentialLR"
                ? new SequentialLR(optimizer,
                    [.. c.GetProperty("chain").EnumerateArray().Select(s => Build(optimizer, s.GetProperty("scheduler").GetString()!, s.GetProperty("args")))],
                    [.. args.GetProperty("milestones").EnumerateArray().Select(e => e.GetInt32())])
                : Build(optimizer, kind, args);
            step = _ => scheduler.Step();
            OptimGolden.AssertClose(lrs[0], scheduler.LastLR, 1e-12, 1e-18, $"{name} LastLR after construction");
        }

        for (int i = 0; i < lrs.Length; i++)
        {
            if (i > 0)
            {
                optimizer.Step();
                step(i - 1);
            }
            OptimGolden.AssertClose(lrs[i], [.. optimizer.ParamGroups.Select(g => g.LearningRate)], 1e-12, 1e-18, $"{name} learning rates after step {i}");
            if (momentums is not null)
                OptimGolden.AssertClose(momentums[i], [.. optimizer.ParamGroups.Select(Momentum)], 1e-12, 1e-18, $"{name} momentum after step {i}");
        }
    }

    private static double Momentum(ParamGroup g) => g.Options switch
    {
        SGDOptions o => o.Momentum,
        AdamOptions o => o.Beta1,
        var o => throw new InvalidOperationException($"no momentum in {o}"),
    };

    private static Optimizer BuildOptimizer(JsonElement spec)
    {
        var lrs = OptimGolden.Doubles(spec.GetProperty("lrs"));
        var groups = lrs.Select(lr => new ParamGroup([Tensor.Zeros(2).SetRequiresGrad()], lr: lr)).ToList();
        return spec.GetProperty("type").GetString() == "SGD"
            ? new SGD(groups, lr: lrs[0], momentum: spec.GetProperty("momentum").GetDouble())
            : new Adam(groups, lr: lrs[0]);
    }

    private static LRScheduler Build(Optimizer optimizer, string kind, JsonElement a)
    {
        double? D(string key) => a.TryGetProperty(key, out var v) ? v.GetDouble() : null;
        int? I(string key) => a.TryGetProperty(key, out var v) ? v.GetInt32() : null;
        string? S(string key) => a.TryGetProperty(key, out var v) ? v.GetString() : null;
        GroupValues? G(string key) => a.TryGetProperty(key, out var v)
            ? v.ValueKind == JsonValueKind.Array ? OptimGolden.Doubles(v) : v.GetDouble()
            : null;
        return kind switch
        {
            "StepLR" => new StepLR(optimizer, I("step_size")!.Value, D("gamma") ?? 0.1),
            "MultiStepLR" => new MultiStepLR(optimizer, a.GetProperty("milestones").EnumerateArray().Select(e => e.GetInt32()), D("gamma") ?? 0.1),
            "ExponentialLR" => new ExponentialLR(optimizer, D("gamma")!.Value),
            "CosineAnnealingLR" => new CosineAnnealingLR(optimizer, I("T_max")!.Value, D("eta_min") ?? 0),
            "LinearLR" => new LinearLR(optimizer, D("start_factor") ?? 1.0 / 3, D("end_factor") ?? 1.0, I("total_iters") ?? 5),
            "LambdaLR" when S("lr_lambda") == "0.95 ** epoch" => new LambdaLR(optimizer, epoch => Math.Pow(0.95, epoch)),
            "OneCycleLR" => new OneCycleLR(optimizer, G("max_lr")!.Value, totalSteps: I("total_steps"), epochs: I("epochs"),
                stepsPerEpoch: I("steps_per_epoch"), pctStart: D("pct_start") ?? 0.3,
                annealStrategy: S("anneal_strategy") == "linear" ? AnnealStrategy.Linear : AnnealStrategy.Cos,
                cycleMomentum: !a.TryGetProperty("cycle_momentum", out var cm) || cm.GetBoolean(),
                baseMomentum: G("base_momentum"), maxMomentum: G("max_momentum"), divFactor: D("div_factor") ?? 25,
                finalDivFactor: D("final_div_factor") ?? 1e4, threePhase: a.TryGetProperty("three_phase", out var tp) && tp.GetBoolean()),
            "CyclicLR" => new CyclicLR(optimizer, G("base_lr")!.Value, G("max_lr")!.Value, I("step_size_up") ?? 2000, I("step_size_down"),
                S("mode") switch { "triangular2" => CyclicLRMode.Triangular2, "exp_range" => CyclicLRMode.ExpRange, _ => CyclicLRMode.Triangular },
                gamma: D("gamma") ?? 1.0, baseMomentum: G("base_momentum"), maxMomentum: G("max_momentum")),
            _ => throw new ArgumentException($"unknown scheduler {kind} in optim.json"),
        };
    }

    private static ReduceLROnPlateau BuildPlateau(Optimizer optimizer, JsonElement a) => new(optimizer,
        mode: a.GetProperty("mode").GetString() == "max" ? PlateauMode.Max : PlateauMode.Min,
        factor: a.GetProperty("factor").GetDouble(),
        patience: a.GetProperty("patience").GetInt32(),
        threshold: a.GetProperty("threshold").GetDouble(),
        thresholdMode: a.TryGetProperty("threshold_mode", out var tm) && tm.GetString() == "abs" ? ThresholdMode.Abs : ThresholdMode.Rel,
        cooldown: a.TryGetProperty("cooldown", out var cd) ? cd.GetInt32() : 0,
        minLR: a.TryGetProperty("min_lr", out var ml) ? ml.GetDouble() : null);
}
