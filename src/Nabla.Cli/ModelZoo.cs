using Nabla.NN;

namespace Nabla.Cli;

/// <summary>
/// The models <c>--model</c> names, sized for the data: <c>mlp</c> is 784-256-128-C for images (the benchmark MLP)
/// and F-16-16-C for points and tables; <c>cnn</c> is the benchmark's two-convolution network; <c>cnn-bn</c> adds
/// batch normalisation after each convolution and dropout before each fully connected layer. Binary problems get one
/// output logit (C = 1) and binary cross-entropy, others C logits and cross-entropy. <c>lstm</c>, <c>gru</c> and
/// <c>transformer</c> are character language models for text (<see cref="CharModel"/>), trained with cross-entropy
/// on the next character at every position.
/// </summary>
internal static class ModelZoo
{
    public static readonly string[] Names = ["mlp", "cnn", "cnn-bn", "lstm", "gru", "transformer"];

    /// <summary>Whether <paramref name="name"/> is a character language model.</summary>
    public static bool IsTextModel(string name) => name is "lstm" or "gru" or "transformer";

    /// <summary>Builds <paramref name="name"/> for <paramref name="data"/>, initialised from <paramref name="init"/>; dropout draws from <paramref name="dropout"/>.</summary>
    public static Module Build(string name, DataSource data, DType dtype, Generator init, Generator dropout)
    {
        if (IsTextModel(name) != data.IsText)
        {
            throw new UsageException(data.IsText
                ? $"--model {name} does not read text; for '{data.Spec}' use lstm, gru or transformer."
                : $"--model {name} is a character language model; it needs text (--data text or text:PATH), not '{data.Spec}'.");
        }
        if (data.IsText) return new CharModel(name, data.NumClasses, data.SequenceLength, dtype, init, dropout);
        int outputs = Outputs(data);
        switch (name)
        {
            case "mlp" when data.IsImage:
                return new Sequential(new Flatten(),
                    new Linear(data.Features, 256, dtype: dtype, generator: init), new ReLU(),
                    new Linear(256, 128, dtype: dtype, generator: init), new ReLU(),
                    new Linear(128, outputs, dtype: dtype, generator: init));
            case "mlp":
                var layers = new Sequential();
                if (data.Kind == "csv") layers.Add("standardize", new Standardize(data.Features, dtype));
                return layers
                    .Add(new Linear(data.Features, 16, dtype: dtype, generator: init)).Add(new ReLU())
                    .Add(new Linear(16, 16, dtype: dtype, generator: init)).Add(new ReLU())
                    .Add(new Linear(16, outputs, dtype: dtype, generator: init));
            case "cnn" or "cnn-bn" when !data.IsImage:
                throw new UsageException($"--model {name} needs 28×28 images (--data fashion-mnist or mnist:DIR), not '{data.Spec}'.");
            case "cnn":
                return new Sequential(
                    new Conv2d(1, 32, 3, padding: 1, dtype: dtype, generator: init), new ReLU(), new MaxPool2d(2),
                    new Conv2d(32, 64, 3, padding: 1, dtype: dtype, generator: init), new ReLU(), new MaxPool2d(2),
                    new Flatten(), new Linear(64 * 7 * 7, 128, dtype: dtype, generator: init), new ReLU(),
                    new Linear(128, outputs, dtype: dtype, generator: init));
            case "cnn-bn":
                // Batch normalisation makes the bias of each convolution redundant, as in the usual conv-BN-ReLU block.
                return new Sequential(
                    new Conv2d(1, 32, 3, padding: 1, bias: false, dtype: dtype, generator: init), new BatchNorm2d(32, dtype: dtype), new ReLU(), new MaxPool2d(2),
                    new Conv2d(32, 64, 3, padding: 1, bias: false, dtype: dtype, generator: init), new BatchNorm2d(64, dtype: dtype), new ReLU(), new MaxPool2d(2),
                    new Flatten(), new Dropout(0.25, dropout), new Linear(64 * 7 * 7, 128, dtype: dtype, generator: init), new ReLU(),
                    new Dropout(0.25, dropout), new Linear(128, outputs, dtype: dtype, generator: init));
            default:
                throw new UsageException($"unknown model '{name}': expected {string.Join(", ", Names)}.");
        }
    }

    /// <summary>One logit for two classes, otherwise one per class.</summary>
    public static int Outputs(DataSource data) => data.NumClasses == 2 ? 1 : data.NumClasses;

    /// <summary>
    /// Binary cross-entropy on the logit for two classes, cross-entropy otherwise; targets are int64 classes (N). For
    /// text, the mean cross-entropy over every position of (N, T, V) logits and (N, T) next characters.
    /// </summary>
    public static Func<Tensor, Tensor, Tensor> Loss(DataSource data)
    {
        if (data.IsText) return (output, target) => Functional.CrossEntropy(output.Reshape(-1, output.Shape[^1]), target.Reshape(-1));
        return data.NumClasses == 2
            ? (output, target) => Functional.BinaryCrossEntropyWithLogits(output, target.To(output.DType).Reshape(output.Shape.ToArray()))
            : (output, target) => Functional.CrossEntropy(output, target);
    }

    /// <summary>The class probabilities (N, C) from the model's outputs: sigmoid for one logit, softmax otherwise.</summary>
    public static Tensor Probabilities(Tensor output)
    {
        if (output.Shape[^1] != 1) return output.Softmax(-1);
        var p = output.Sigmoid();
        return Tensor.Cat([1.0 - p, p], -1);
    }
}
