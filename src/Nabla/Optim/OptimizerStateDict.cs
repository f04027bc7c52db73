namespace Nabla.Optim;

/// <summary>
/// A snapshot of an optimizer, the counterpart of PyTorch's <c>optimizer.state_dict()</c>: the options of
/// every parameter group and the state of every parameter, parameters being numbered in group order
/// from 0. It holds copies, so stepping the optimizer afterwards leaves it unchanged. The options are
/// JSON-serialisable records and the buffers plain tensors, so a checkpoint writer can store both.
/// </summary>
/// <param name="ParamGroups">One entry per parameter group, in order.</param>
/// <param name="State">Per-parameter state keyed by parameter index; parameters never updated have no entry.</param>
public sealed record OptimizerStateDict(IReadOnlyList<ParamGroupState> ParamGroups, IReadOnlyDictionary<int, ParameterState> State);

/// <summary>One parameter group of an <see cref="OptimizerStateDict"/>.</summary>
/// <param name="Options">The group's hyper-parameters.</param>
/// <param name="Params">The indices of the group's parameters.</param>
/// <param name="InitialLearningRate">The schedules' starting learning rate, if a schedule recorded one.</param>
public sealed record ParamGroupState(OptimizerOptions Options, IReadOnlyList<int> Params, double? InitialLearningRate);
