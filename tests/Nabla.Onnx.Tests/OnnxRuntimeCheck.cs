using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Nabla.NN;

namespace Nabla.Onnx.Tests;

/// <summary>Runs exported models in ONNX Runtime and compares them with Nabla's own evaluation-mode output.</summary>
internal static class OnnxRuntimeCheck
{
    /// <summary>How far ONNX Runtime's output may be from Nabla's: 1e-5, relative to values above 1.</summary>
    public const double Tolerance = 1e-5;

    /// <summary>
    /// Exports <paramref name="model"/> with <paramref name="sample"/> and checks that ONNX Runtime gives Nabla's output on
    /// each of <paramref name="inputs"/> (the sample itself when none is given).
    /// </summary>
    public static void AssertMatches(Module model, Tensor sample, params Tensor[] inputs)
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.onnx");
        model.ExportOnnx(path, sample);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp-*"));
        model.Eval();
        foreach (var input in inputs.Length == 0 ? [sample] : inputs)
            AssertSame(model, path, input);
    }

    /// <summary>
    /// Checks that the model file at <paramref name="path"/> gives <paramref name="model"/>'s output on
    /// <paramref name="input"/>, as ONNX Runtime runs the graph as written and after its own fusions (Conv with
    /// BatchNormalization, Gemm with Relu...).
    /// </summary>
    public static void AssertSame(Module model, string path, Tensor input)
    {
        foreach (var level in new[] { GraphOptimizationLevel.ORT_DISABLE_ALL, GraphOptimizationLevel.ORT_ENABLE_ALL })
            AssertSame(model, path, input, level);
    }

    private static void AssertSame(Module model, string path, Tensor input, GraphOptimizationLevel level)
    {
        Tensor expected;
        using (Autograd.NoGrad()) expected = model.Forward(input);
        var (shape, actual) = Run(path, input, level: level);
        Assert.Equal(expected.Shape.Select(d => (long)d).ToArray(), shape);
        var want = expected.ToDoubleArray();
        Assert.Equal(want.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < want.Length; i++)
            worst = Math.Max(worst, Math.Abs(actual[i] - want[i]) / Math.Max(1, Math.Abs(want[i])));
        Assert.True(worst <= Tolerance, $"ONNX Runtime ({level}) differs from Nabla by {worst:G3} (relative) on an input of shape [{string.Join(", ", input.Shape)}].");
    }

    /// <summary>The output's shape and values when ONNX Runtime runs the model at <paramref name="path"/> on <paramref name="input"/>.</summary>
    public static (long[] Shape, double[] Values) Run(string path, Tensor input, string inputName = "input",
        GraphOptimizationLevel level = GraphOptimizationLevel.ORT_DISABLE_ALL)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = level };
        using var session = new InferenceSession(path, options);
        long[] shape = [.. input.Shape.Select(d => (long)d)];
        using var value = input.DType switch
        {
            DType.Float32 => OrtValue.CreateTensorValueFromMemory(input.ToArray<float>(), shape),
            DType.Float64 => OrtValue.CreateTensorValueFromMemory(input.ToArray<double>(), shape),
            DType.Int64 => OrtValue.CreateTensorValueFromMemory(input.ToArray<long>(), shape),
            _ => throw new ArgumentException($"no ONNX Runtime input for {input.DType}", nameof(input)),
        };
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [inputName], [value], session.OutputNames);
        var output = outputs[0];
        var info = output.GetTensorTypeAndShape();
        double[] values = info.ElementDataType switch
        {
            TensorElementType.Float => [.. output.GetTensorDataAsSpan<float>().ToArray().Select(v => (double)v)],
            TensorElementType.Double => output.GetTensorDataAsSpan<double>().ToArray(),
            _ => throw new InvalidOperationException($"unexpected output type {info.ElementDataType}"),
        };
        return (info.Shape, values);
    }
}

/// <summary>A fresh directory under the system's temporary directory, removed with its content when disposed.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "nabla-onnx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
