using System.CommandLine;
using System.Globalization;
using Nabla.NN;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla gradcheck</c>: builds a model in float64, computes the loss of a tiny batch, and checks the gradient of the
/// loss with respect to every parameter against central finite differences (<see cref="GradCheck"/>). Parameters with
/// at most <see cref="FullCheckLimit"/> elements are checked entry by entry; larger ones at
/// <see cref="SampledEntries"/> random entries, each needing two more forward passes.
/// </summary>
internal static class GradCheckCommand
{
    private const int FullCheckLimit = 1024;
    private const int SampledEntries = 24;
    private const double Eps = 1e-6, Atol = 1e-5, Rtol = 1e-3;

    public static Command Create(TextWriter output, TextWriter error)
    {
        var options = new ModelBatchOptions("The data set of the batch");
        var command = new Command("gradcheck", "Check a model's backpropagated gradients against finite differences, parameter by parameter." + CliHelp.Examples("nabla gradcheck --model cnn", "nabla gradcheck --model mlp --data fashion-mnist"))
        {
            options.Model, options.Data, options.BatchSize, options.Seed,
        };
        command.SetAction(parse => NablaCli.Guard("gradcheck", error, () =>
        {
            var (model, data, batch, seed) = options.Resolve(parse);
            return Check(output, model, data, batch, seed);
        }));
        return command;
    }

    private static int Check(TextWriter output, string modelName, DataSource source, int batch, ulong seed)
    {
        var network = ModelZoo.Build(modelName, source, DType.Float64, new Generator(seed), new Generator(seed + 1));
        var (x, y) = source.Load(train: true, seed);
        foreach (var standardize in network.Modules().OfType<Standardize>()) standardize.Fit(x.To(DType.Float64));
        int count = Math.Min(batch, x.Shape[0]);
        var input = x.Narrow(0, 0, count).To(DType.Float64).Contiguous();
        var target = y.Narrow(0, 0, count).Contiguous();
        var lossFunction = ModelZoo.Loss(source);
        // Finite differences need the same function at every evaluation: dropout is switched off, while batch
        // normalisation stays in training mode (batch statistics are a differentiable part of the step).
        network.Train();
        foreach (var dropout in network.Modules().OfType<Dropout>()) dropout.Eval();
        Tensor Loss() => lossFunction(network.Forward(input), target);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gradcheck: {modelName} on {source.Spec}, float64, batch of {count}, eps {Eps:0e+0}, atol {Atol:0e+0}, rtol {Rtol:0e+0}"));
        output.WriteLine($"{"parameter",-22} {"shape",-16} {"checked",14} {"max |error|",12}  result");
        var sampler = new Generator(seed + 2);
        bool allPassed = true;
        foreach (var (name, parameter) in network.NamedParameters())
        {
            var (passed, maxError, entries) = parameter.Numel <= FullCheckLimit
                ? Full(Loss, parameter)
                : Sampled(Loss, parameter, sampler);
            allPassed &= passed;
            string shape = "(" + string.Join(", ", parameter.Shape) + ")";
            string checkedEntries = entries == parameter.Numel ? $"{entries}" : $"{entries} of {parameter.Numel}";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-22} {shape,-16} {checkedEntries,14} {maxError,12:0.00e+00}  {(passed ? "PASS" : "FAIL")}"));
        }
        output.WriteLine(allPassed ? "all gradients PASS" : "some gradients FAIL");
        return allPassed ? 0 : 1;
    }

    private static (bool Passed, double MaxError, int Entries) Full(Func<Tensor> loss, Tensor parameter)
    {
        var result = GradCheck.Check(_ => loss(), [parameter], Eps, Atol, Rtol);
        return (result.Passed, result.MaxAbsError, result.Entries);
    }

    /// <summary>The same comparison as <see cref="GradCheck.Check"/>, at a few random entries of a large parameter.</summary>
    private static (bool Passed, double MaxError, int Entries) Sampled(Func<Tensor> loss, Tensor parameter, Generator sampler)
    {
        parameter.Grad = null;
        loss().Backward();
        var analytic = parameter.Grad!.Reshape(-1).ToDoubleArray();
        parameter.Grad = null;
        Tensor flat;
        using (Autograd.NoGrad()) flat = parameter.Reshape(-1);
        bool passed = true;
        double maxError = 0;
        for (int k = 0; k < SampledEntries; k++)
        {
            int i = (int)sampler.NextInt64(0, parameter.Numel);
            var entry = flat.Narrow(0, i, 1);
            double original = flat.ItemAt(i);
            double plus, minus;
            using (Autograd.NoGrad())
            {
                entry.Fill(original + Eps);
                plus = loss().Item();
                entry.Fill(original - Eps);
                minus = loss().Item();
                entry.Fill(original);
            }
            double numeric = (plus - minus) / (2 * Eps);
            double error = Math.Abs(analytic[i] - numeric);
            maxError = Math.Max(maxError, error);
            passed &= error <= Atol + Rtol * Math.Abs(numeric);
        }
        return (passed, maxError, SampledEntries);
    }
}
