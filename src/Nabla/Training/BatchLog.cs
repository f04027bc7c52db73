namespace Nabla.Training;

/// <summary>What <see cref="Callback.OnBatchEnd"/> learns about the training step that just finished.</summary>
/// <param name="Epoch">The epoch the step belongs to, counting from 1.</param>
/// <param name="Batch">The step's index within the epoch, counting from 1.</param>
/// <param name="Size">The number of examples in the batch.</param>
/// <param name="Loss">The batch's loss, read before the optimizer step.</param>
/// <param name="GlobalStep">The number of optimizer steps taken so far in the whole run, this one included.</param>
public readonly record struct BatchLog(int Epoch, int Batch, int Size, double Loss, long GlobalStep);
