namespace Nabla.Optim;

/// <summary>
/// A set of parameters that share hyper-parameters, like one dict of PyTorch's
/// <c>optimizer.param_groups</c>. A group made with only a learning rate or weight decay takes every
/// other option from the optimizer's defaults when the optimizer adopts it:
/// <code>
/// var opt = new SGD([new ParamGroup(backbone), new ParamGroup(head, lr: 0.1)], lr: 0.01, momentum: 0.9);
/// </code>
/// </summary>
public sealed class ParamGroup
{
    private readonly double? _lr;
    private readonly double? _weightDecay;
    private OptimizerOptions? _options;
    private Type? _optionsType;

    /// <summary>A group whose options are the optimizer's defaults, except the ones given here.</summary>
    /// <param name="parameters">The tensors to optimize (float32 or float64 leaves).</param>
    /// <param name="lr">This group's learning rate; null takes the optimizer's.</param>
    /// <param name="weightDecay">This group's weight decay; null takes the optimizer's.</param>
    public ParamGroup(IEnumerable<Tensor> parameters, double? lr = null, double? weightDecay = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = [.. parameters];
        _lr = lr;
        _weightDecay = weightDecay;
    }

    /// <summary>A group with its own complete options, which must be the optimizer's options type.</summary>
    public ParamGroup(IEnumerable<Tensor> parameters, OptimizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(options);
        Parameters = [.. parameters];
        _options = options;
    }

    /// <summary>The tensors this group updates, in order.</summary>
    public IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>
    /// The group's hyper-parameters. Assigning validates them and requires the optimizer's options type;
    /// schedules assign a copy made with <c>with</c> to change one value.
    /// </summary>
    public OptimizerOptions Options
    {
        get => _optionsType is null
            ? throw new InvalidOperationException("ParamGroup: the group has not been added to an optimizer yet, so its options are not resolved.")
            : _options!;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (_optionsType is not null && value.GetType() != _optionsType)
                throw new ArgumentException($"ParamGroup: this group belongs to an optimizer that takes {_optionsType.Name}, got {value.GetType().Name}.", nameof(value));
            value.Validate();
            _options = value;
        }
    }

    /// <summary>The group's learning rate, <c>param_group['lr']</c>; setting it replaces <see cref="Options"/>.</summary>
    public double LearningRate
    {
        get => Options.LearningRate;
        set => Options = Options with { LearningRate = value };
    }

    /// <summary>The group's weight decay, <c>param_group['weight_decay']</c>; setting it replaces <see cref="Options"/>.</summary>
    public double WeightDecay
    {
        get => Options.WeightDecay;
        set => Options = Options with { WeightDecay = value };
    }

    /// <summary>
    /// The learning rate a schedule started from (<c>param_group['initial_lr']</c>): the first schedule
    /// attached to the optimizer records it, and later schedules (for example inside SequentialLR) start
    /// from it rather than from the already scheduled current rate.
    /// </summary>
    public double? InitialLearningRate { get; set; }

    internal bool IsAttached => _optionsType is not null;

    /// <summary>Resolves the options against the optimizer's defaults and fixes their type.</summary>
    internal void Attach(string optimizer, OptimizerOptions defaults)
    {
        if (_options is { } own && own.GetType() != defaults.GetType())
            throw new ArgumentException($"{optimizer}: a parameter group's options must be {defaults.GetType().Name}, got {own.GetType().Name}.");
        var resolved = _options ?? defaults;
        if (_lr is { } lr) resolved = resolved with { LearningRate = lr };
        if (_weightDecay is { } wd) resolved = resolved with { WeightDecay = wd };
        resolved.Validate();
        _options = resolved;
        _optionsType = defaults.GetType();
    }
}
