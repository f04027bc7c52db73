namespace Nabla.NN;

/// <summary>
/// Combines several named objectives into one loss, L = Σᵢ wᵢ·Lᵢ, for multi-task models or a task loss plus
/// regularisers, and remembers the last value of each term so that a training loop can log them separately. The
/// weights can be changed between steps (e.g. to rebalance objectives during training).
/// <code>
/// var objective = new MultiObjectiveLoss().Add("class", 1.0).Add("box", 0.5);
/// var loss = objective.Combine(("class", ce), ("box", l1));
/// loss.Backward();
/// Console.WriteLine(objective.LastValues["box"]);
/// </code>
/// </summary>
public sealed class MultiObjectiveLoss
{
    private readonly OrderedDictionary<string, double> _weights = [];
    private readonly Dictionary<string, double> _last = [];

    /// <summary>Declares an objective and its weight; returns this instance for chaining.</summary>
    /// <param name="name">A unique name.</param>
    /// <param name="weight">Its weight wᵢ, finite.</param>
    public MultiObjectiveLoss Add(string name, double weight = 1.0)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (_weights.ContainsKey(name)) throw new ArgumentException($"MultiObjectiveLoss.Add: objective '{name}' is already declared.", nameof(name));
        _weights[name] = CheckWeight(name, weight);
        return this;
    }

    /// <summary>The objectives and their current weights, in declaration order.</summary>
    public IReadOnlyDictionary<string, double> Weights => _weights;

    /// <summary>The value of each term (unweighted) at the last <see cref="Combine"/>; empty before the first call.</summary>
    public IReadOnlyDictionary<string, double> LastValues => _last;

    /// <summary>The weighted total at the last <see cref="Combine"/>.</summary>
    public double LastTotal { get; private set; }

    /// <summary>Changes the weight of a declared objective.</summary>
    /// <param name="name">The objective's name.</param>
    /// <param name="weight">Its new weight, finite.</param>
    public void SetWeight(string name, double weight)
    {
        if (!_weights.ContainsKey(name)) throw new KeyNotFoundException($"MultiObjectiveLoss.SetWeight: no objective named '{name}'; declared: {string.Join(", ", _weights.Keys)}.");
        _weights[name] = CheckWeight(name, weight);
    }

    /// <summary>
    /// Σᵢ wᵢ·Lᵢ over the given terms, which must be exactly the declared objectives, each a one-element tensor.
    /// Records each term's value and the total.
    /// </summary>
    /// <param name="terms">Each objective's name and loss.</param>
    public Tensor Combine(params (string Name, Tensor Loss)[] terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        var given = terms.Select(t => t.Name).ToList();
        if (given.Count != given.Distinct().Count() || given.Count != _weights.Count || given.Any(n => !_weights.ContainsKey(n)))
            throw new ArgumentException($"MultiObjectiveLoss.Combine: expected the objectives [{string.Join(", ", _weights.Keys)}] once each, got [{string.Join(", ", given)}].", nameof(terms));
        foreach (var (name, loss) in terms)
        {
            if (loss is null || loss.Numel != 1)
                throw new ArgumentException($"MultiObjectiveLoss.Combine: objective '{name}' must be a one-element loss, got {(loss is null ? "null" : ShapeUtil.Describe(loss))}.", nameof(terms));
        }
        var total = Functional.WeightedSum(terms.Select(t => (t.Loss, _weights[t.Name])).ToArray());
        _last.Clear();
        foreach (var (name, loss) in terms) _last[name] = loss.Item();
        LastTotal = total.Item();
        return total;
    }

    private static double CheckWeight(string name, double weight) =>
        double.IsFinite(weight) ? weight : throw new ArgumentOutOfRangeException(nameof(weight), weight, $"MultiObjectiveLoss: the weight of '{name}' must be finite, got {weight}.");
}
