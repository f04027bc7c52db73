using Nabla.Cli;
using Nabla.IO;
using Nabla.NN;

namespace Nabla.Onnx.Tests;

public class CliExportTests
{
    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = NablaCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void ExportWritesATrainedModelThatOnnxRuntimeRunsAlike()
    {
        using var dir = new TempDirectory();
        var (code, output, error) = Run("train", "--data", "moons", "--epochs", "2", "--out", dir.File("run"));
        Assert.True(code == 0, output + error);
        (code, output, error) = Run("export", "--model-file", dir.File("run/model.safetensors"), "--format", "onnx", "--out", dir.File("moons.onnx"));
        Assert.True(code == 0, output + error);
        Assert.Contains($"wrote {dir.File("moons.onnx")}: ONNX opset 17, input 'input' (batch×2 float32)", output, StringComparison.Ordinal);

        // The moons mlp, as the command builds it, with the trained weights.
        var model = new Sequential(new Linear(2, 16), new ReLU(), new Linear(16, 16), new ReLU(), new Linear(16, 1));
        model.LoadStateDict(SafeTensors.Load(dir.File("run/model.safetensors")).Tensors);
        model.Eval();
        OnnxRuntimeCheck.AssertSame(model, dir.File("moons.onnx"), Tensor.Randn([7, 2], DType.Float32, new Generator(1)));
        OnnxRuntimeCheck.AssertSame(model, dir.File("moons.onnx"), Tensor.Randn([1, 2], DType.Float32, new Generator(2)));
    }

    [Fact]
    public void ExportRefusesBadInputWithOneLine()
    {
        using var dir = new TempDirectory();
        var (code, _, error) = Run("export", "--model-file", dir.File("missing.safetensors"), "--out", dir.File("m.onnx"));
        Assert.Equal(NablaCli.UsageError, code);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);

        (code, _, error) = Run("export", "--model-file", dir.File("missing.safetensors"), "--format", "tflite", "--out", dir.File("m.onnx"));
        Assert.Equal(NablaCli.UsageError, code);
        Assert.Contains("tflite", error, StringComparison.Ordinal);
    }
}
