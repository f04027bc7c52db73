namespace Nabla.Optim;

/// <summary>
/// Weight penalties to add to a loss, differentiable like any other term:
/// <code>
/// var loss = criterion + 1e-4 * Regularization.L2Penalty(model.Parameters());
/// </code>
/// </summary>
public static class Regularization
{
    /// <summary>
    /// The L1 penalty Σ |w| over every element of every parameter (lasso; its gradient is sign(w)).
    /// A scalar tensor; zero (float32) when there are no parameters.
    /// </summary>
    public static Tensor L1Penalty(IEnumerable<Tensor> parameters) => Penalty(parameters, p => p.Abs().Sum());

    /// <summary>
    /// The L2 penalty Σ w² over every element of every parameter (ridge; its gradient is 2w, so adding
    /// (λ/2)·L2Penalty equals an optimizer's weight decay λ under plain SGD). A scalar tensor; zero
    /// (float32) when there are no parameters.
    /// </summary>
    public static Tensor L2Penalty(IEnumerable<Tensor> parameters) => Penalty(parameters, p => p.Square().Sum());

    private static Tensor Penalty(IEnumerable<Tensor> parameters, Func<Tensor, Tensor> term)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Tensor? total = null;
        foreach (var p in parameters)
        {
            var t = term(p);
            total = total is null ? t : total + t;
        }
        return total ?? Tensor.Scalar(0);
    }
}
