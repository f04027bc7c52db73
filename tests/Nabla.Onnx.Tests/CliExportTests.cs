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
    public void ExportWritesTheCnnWithBatchNormAtAnyOrAFixedBatchSize()
    {
        using var dir = new TempDirectory();
        // The cnn-bn model as the command builds it, with running statistics of its own.
        var g = new Generator(3);
        var model = new Sequential(
            new Conv2d(1, 32, 3, padding: 1, bias: false, generator: g), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
            new Conv2d(32, 64, 3, padding: 1, bias: false, generator: g), new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Dropout(0.25), new Linear(64 * 7 * 7, 128, generator: g), new ReLU(),
            new Dropout(0.25), new Linear(128, 10, generator: g));
        using (Autograd.NoGrad()) model.Forward(Tensor.Rand([8, 1, 28, 28], DType.Float32, new Generator(4)));
        model.Eval();
        SafeTensors.Save(dir.File("model.safetensors"), model.StateDict(),
            new Dictionary<string, string> { ["nabla.model"] = "cnn-bn", ["nabla.data"] = "fashion-mnist", ["nabla.seed"] = "0" });

        var (code, output, error) = Run("export", "--model-file", dir.File("model.safetensors"), "--out", dir.File("cnn-bn.onnx"));
        Assert.True(code == 0, output + error);
        Assert.Contains("input 'input' (batch×1×28×28 float32)", output, StringComparison.Ordinal);
        OnnxRuntimeCheck.AssertSame(model, dir.File("cnn-bn.onnx"), Tensor.Rand([5, 1, 28, 28], DType.Float32, new Generator(5)));

        (code, output, error) = Run("export", "--model-file", dir.File("model.safetensors"), "--batch-size", "3", "--out", dir.File("fixed.onnx"));
        Assert.True(code == 0, output + error);
        Assert.Contains("input 'input' (3×1×28×28 float32)", output, StringComparison.Ordinal);
        OnnxRuntimeCheck.AssertSame(model, dir.File("fixed.onnx"), Tensor.Rand([3, 1, 28, 28], DType.Float32, new Generator(6)));
        Assert.ThrowsAny<Exception>(() => OnnxRuntimeCheck.Run(dir.File("fixed.onnx"), Tensor.Rand([2, 1, 28, 28], DType.Float32, new Generator(7))));
    }

    [Fact]
    public void ExportRefusesACharacterLanguageModel()
    {
        using var dir = new TempDirectory();
        SafeTensors.Save(dir.File("lstm.safetensors"), new Dictionary<string, Tensor> { ["w"] = Tensor.Zeros(1) },
            new Dictionary<string, string> { ["nabla.model"] = "lstm", ["nabla.data"] = "text" });
        var (code, _, error) = Run("export", "--model-file", dir.File("lstm.safetensors"), "--out", dir.File("lstm.onnx"));
        Assert.Equal(NablaCli.UsageError, code);
        Assert.Contains("is a character language model (lstm); ONNX export covers the mlp, cnn and cnn-bn models", error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("lstm.onnx")));
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

        (code, _, error) = Run("export", "--model-file", dir.File("missing.safetensors"), "--batch-size", "0", "--out", dir.File("m.onnx"));
        Assert.Equal(NablaCli.UsageError, code);
        Assert.Contains("--batch-size must be positive, got 0", error, StringComparison.Ordinal);
    }
}
