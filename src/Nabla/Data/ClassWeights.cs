namespace Nabla.Data;

/// <summary>Weights that counter class imbalance, for weighted losses and weighted sampling.</summary>
public static class ClassWeights
{
    /// <summary>
    /// One weight per class, inversely proportional to its frequency, as scikit-learn's
    /// <c>compute_class_weight("balanced")</c>: weight[c] = N / (numClasses · count[c]), and 0 for a
    /// class with no examples. When every class occurs, the mean weight over the examples is 1.
    /// The result is a float32 (numClasses) tensor, ready to pass as the class weights of a cross-entropy loss.
    /// </summary>
    /// <param name="labels">The class index of every example, a 1-D int64 tensor.</param>
    /// <param name="numClasses">The number of classes; labels must lie in [0, numClasses).</param>
    public static Tensor InverseFrequency(Tensor labels, int numClasses)
    {
        int? classes = numClasses;
        var y = ClassLabels.Read("ClassWeights.InverseFrequency", labels, ref classes);
        var counts = ClassLabels.Count(y, numClasses);
        var weights = new float[numClasses];
        for (int c = 0; c < numClasses; c++)
            weights[c] = counts[c] == 0 ? 0f : (float)((double)y.Length / ((double)numClasses * counts[c]));
        return Tensor.FromArray(weights);
    }

    /// <summary>
    /// One weight per example, 1 / count[label], so that every class has the same total weight; pass
    /// them to <see cref="WeightedRandomSampler"/> to draw balanced batches from imbalanced data.
    /// </summary>
    /// <param name="labels">The class index of every example, a 1-D int64 tensor.</param>
    public static double[] SampleWeights(Tensor labels)
    {
        int? classes = null;
        var y = ClassLabels.Read("ClassWeights.SampleWeights", labels, ref classes);
        var counts = ClassLabels.Count(y, classes!.Value);
        var weights = new double[y.Length];
        for (int i = 0; i < y.Length; i++) weights[i] = 1.0 / counts[y[i]];
        return weights;
    }
}
