using System.Numerics;

namespace Nabla.Optim;

/// <summary>
/// The update shared by <see cref="Adam"/> and <see cref="AdamW"/>, in the order of operations of
/// PyTorch's single-tensor implementation so that float64 results agree to the last few bits.
/// </summary>
internal readonly record struct AdamMoments(double LearningRate, double Beta1, double Beta2, double Eps, bool AmsGrad, bool Maximize, long Step)
{
    /// <summary>
    /// Updates the parameter and its moment buffers. <paramref name="l2"/> is Adam's penalty added to the
    /// gradient; <paramref name="decoupled"/>, when not 0, is AdamW's factor 1 − γλ applied to the parameter first.
    /// </summary>
    public void Run<T>(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor? maxExpAvgSq, double l2, double decoupled)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double biasCorrection1 = 1 - Math.Pow(Beta1, Step);
        double biasCorrection2 = 1 - Math.Pow(Beta2, Step);
        var rule = new Rule<T>(this, LearningRate / biasCorrection1, Math.Sqrt(biasCorrection2), l2, decoupled);
        FusedUpdate.Run<T, Rule<T>>(rule, param, grad, expAvg, expAvgSq, maxExpAvgSq);
    }

    private readonly struct Rule<T>(AdamMoments a, double stepSize, double biasCorrection2Sqrt, double l2, double decoupled) : IFusedUpdate<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Vector<T> _beta1 = new(T.CreateTruncating(a.Beta1));
        private readonly Vector<T> _oneMinusBeta1 = new(T.CreateTruncating(1 - a.Beta1));
        private readonly Vector<T> _beta2 = new(T.CreateTruncating(a.Beta2));
        private readonly Vector<T> _oneMinusBeta2 = new(T.CreateTruncating(1 - a.Beta2));
        private readonly Vector<T> _eps = new(T.CreateTruncating(a.Eps));
        private readonly Vector<T> _negStepSize = new(T.CreateTruncating(-stepSize));
        private readonly Vector<T> _biasCorrection2Sqrt = new(T.CreateTruncating(biasCorrection2Sqrt));
        private readonly Vector<T> _l2 = new(T.CreateTruncating(l2));
        private readonly Vector<T> _shrink = new(T.CreateTruncating(decoupled));
        private readonly bool _hasL2 = l2 != 0, _decoupled = decoupled != 0, _amsgrad = a.AmsGrad, _maximize = a.Maximize;

        public void Invoke(ref Vector<T> param, Vector<T> grad, ref Vector<T> expAvg, ref Vector<T> expAvgSq, ref Vector<T> maxExpAvgSq)
        {
            var g = _maximize ? -grad : grad;
            if (_hasL2) g += _l2 * param;
            if (_decoupled) param *= _shrink;
            expAvg = expAvg * _beta1 + _oneMinusBeta1 * g;
            expAvgSq = expAvgSq * _beta2 + _oneMinusBeta2 * g * g;
            Vector<T> second = expAvgSq;
            if (_amsgrad) second = maxExpAvgSq = Vector.Max(maxExpAvgSq, expAvgSq);
            var denom = Vector.SquareRoot(second) / _biasCorrection2Sqrt + _eps;
            param += _negStepSize * expAvg / denom;
        }
    }
}
