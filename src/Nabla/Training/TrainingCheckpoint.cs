using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nabla.IO;
using Nabla.Optim;
using Nabla.Optim.Schedulers;

namespace Nabla.Training;

/// <summary>
/// Turns the optimizer's and schedule's state into what a <see cref="IO.CheckpointData"/> holds, and back. The
/// optimizer's buffers become tensors named <c>state.&lt;index&gt;.&lt;buffer&gt;</c>; the rest is a JSON document
/// <c>{"param_groups": [{"options": {...}, "params": [0, 1], "initial_lr": null}], "state": {"0": {"step": 12, "buffers": ["exp_avg"]}}}</c>.
/// Numbers are written so that they read back bit for bit.
/// </summary>
internal static class TrainingCheckpoint
{
    public static (Dictionary<string, Tensor> Tensors, string Json) Write(OptimizerStateDict state)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var groups = new JsonArray();
        foreach (var group in state.ParamGroups)
        {
            groups.Add((JsonNode)new JsonObject
            {
                ["options"] = JsonSerializer.SerializeToNode(group.Options, NablaJson.Default.OptimizerOptions),
                ["params"] = new JsonArray([.. group.Params.Select(i => (JsonNode)i)]),
                ["initial_lr"] = group.InitialLearningRate,
            });
        }
        var perParameter = new JsonObject();
        foreach (var (index, parameterState) in state.State.OrderBy(s => s.Key))
        {
            string key = index.ToString(CultureInfo.InvariantCulture);
            foreach (var (name, buffer) in parameterState.Buffers) tensors[$"state.{key}.{name}"] = buffer;
            perParameter[key] = new JsonObject
            {
                ["step"] = parameterState.Step,
                ["buffers"] = new JsonArray([.. parameterState.Buffers.Keys.Select(n => (JsonNode)n)]),
            };
        }
        var root = new JsonObject { ["param_groups"] = groups, ["state"] = perParameter };
        return (tensors, root.ToJsonString());
    }

    public static OptimizerStateDict Read(IReadOnlyDictionary<string, Tensor> tensors, string json, Func<string, string> fail)
    {
        try
        {
            var root = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException(fail("the optimizer state is null."));
            var groups = new List<ParamGroupState>();
            foreach (var group in Required(root, "param_groups", fail).AsArray())
            {
                var g = group?.AsObject() ?? throw new InvalidDataException(fail("a parameter group of the optimizer state is null."));
                var options = Required(g, "options", fail).Deserialize(NablaJson.Default.OptimizerOptions)
                    ?? throw new InvalidDataException(fail("a parameter group has null options."));
                var indices = Required(g, "params", fail).AsArray().Select(i => (i ?? throw new InvalidDataException(fail("a parameter index is null."))).GetValue<int>()).ToArray();
                foreach (int i in indices)
                    if (i < 0) throw new InvalidDataException(fail($"a parameter group lists the parameter index {i}; indices are at least 0."));
                double? initial = g["initial_lr"]?.GetValue<double>();
                if (initial is { } lr && !(lr >= 0 && double.IsFinite(lr)))
                    throw new InvalidDataException(fail($"a parameter group's initial_lr is {lr.ToString(CultureInfo.InvariantCulture)}; it must be a finite number ≥ 0."));
                groups.Add(new ParamGroupState(options, indices, initial));
            }
            var used = new HashSet<string>(StringComparer.Ordinal);
            var state = new Dictionary<int, ParameterState>();
            foreach (var (key, value) in Required(root, "state", fail).AsObject())
            {
                if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                    throw new InvalidDataException(fail($"the optimizer state has the parameter key '{key}', which is not an index."));
                var entry = value?.AsObject() ?? throw new InvalidDataException(fail($"the optimizer state of parameter {index} is null."));
                long step = Required(entry, "step", fail).GetValue<long>();
                if (step < 0) throw new InvalidDataException(fail($"the optimizer state of parameter {index} has step {step}; a step count is at least 0."));
                var parameterState = new ParameterState { Step = step };
                foreach (var name in Required(entry, "buffers", fail).AsArray().Select(n => (n ?? throw new InvalidDataException(fail("a buffer name is null."))).GetValue<string>()))
                {
                    string tensorName = $"state.{key}.{name}";
                    if (!tensors.TryGetValue(tensorName, out var buffer))
                        throw new InvalidDataException(fail($"the optimizer tensor '{tensorName}' is missing."));
                    parameterState.Buffers[name] = buffer;
                    used.Add(tensorName);
                }
                state[index] = parameterState;
            }
            var extra = tensors.Keys.FirstOrDefault(k => !used.Contains(k));
            if (extra is not null) throw new InvalidDataException(fail($"the optimizer tensor '{extra}' belongs to no parameter's state."));
            return new OptimizerStateDict(groups, state);
        }
        catch (Exception e) when (IsMalformed(e))
        {
            throw new InvalidDataException(fail($"the optimizer state is malformed: {e.Message}"), e);
        }
    }

    public static string WriteScheduler(LRSchedulerState state) => JsonSerializer.Serialize(state, NablaJson.Default.LRSchedulerState);

    public static LRSchedulerState ReadScheduler(string json, Func<string, string> fail)
    {
        try
        {
            var state = JsonSerializer.Deserialize(json, NablaJson.Default.LRSchedulerState) ?? throw new InvalidDataException(fail("the schedule state is null."));
            if (state.BaseLRs is null || state.LastLR is null || state.Values is null)
                throw new InvalidDataException(fail("the schedule state has a null BaseLRs, LastLR or Values."));
            if (state.LastEpoch < -1)
                throw new InvalidDataException(fail($"the schedule state's LastEpoch is {state.LastEpoch}; it is at least -1."));
            foreach (double lr in state.BaseLRs.Concat(state.LastLR))
            {
                if (!(lr >= 0 && double.IsFinite(lr)))
                    throw new InvalidDataException(fail($"the schedule state holds the learning rate {lr.ToString(CultureInfo.InvariantCulture)}; learning rates are finite numbers ≥ 0."));
            }
            return state;
        }
        catch (Exception e) when (IsMalformed(e))
        {
            throw new InvalidDataException(fail($"the schedule state is malformed: {e.Message}"), e);
        }
    }

    /// <summary>Generator states as a JSON array of strings of comma-separated hexadecimal words (JSON numbers cannot hold 64 bits).</summary>
    public static string WriteGenerators(IEnumerable<ulong[]> states) =>
        new JsonArray([.. states.Select(s => (JsonNode)string.Join(",", s.Select(w => w.ToString("x16", CultureInfo.InvariantCulture))))]).ToJsonString();

    public static List<ulong[]> ReadGenerators(string json, Func<string, string> fail)
    {
        try
        {
            var states = new List<ulong[]>();
            var array = JsonNode.Parse(json)?.AsArray() ?? throw new InvalidDataException(fail("the generator states are null."));
            foreach (var node in array)
            {
                var text = node?.GetValue<string>() ?? throw new InvalidDataException(fail("a generator state is null."));
                var words = text.Split(',');
                var state = new ulong[words.Length];
                for (int i = 0; i < words.Length; i++)
                {
                    if (!ulong.TryParse(words[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out state[i]))
                        throw new InvalidDataException(fail($"the generator state word '{words[i]}' is not hexadecimal."));
                }
                if (state.Length != 6) throw new InvalidDataException(fail($"a generator state has {state.Length} words, expected 6."));
                if (state[0] == 0 && state[1] == 0 && state[2] == 0 && state[3] == 0)
                    throw new InvalidDataException(fail("a generator state is all zeros, which xoshiro256** can never leave."));
                states.Add(state);
            }
            return states;
        }
        catch (Exception e) when (IsMalformed(e))
        {
            throw new InvalidDataException(fail($"the generator states are malformed: {e.Message}"), e);
        }
    }

    /// <summary>An interrupted epoch's position: the epoch, the batches trained and the sums of their metrics, written to read back bit for bit.</summary>
    public static string WritePosition(int epoch, int batch, double lossSum, long examples, long correct, long predictions, double learningRate, double seconds) =>
        new JsonObject
        {
            ["epoch"] = epoch,
            ["batch"] = batch,
            ["loss_sum"] = lossSum.ToString("R", CultureInfo.InvariantCulture),
            ["examples"] = examples,
            ["correct"] = correct,
            ["predictions"] = predictions,
            ["lr"] = learningRate.ToString("R", CultureInfo.InvariantCulture),
            ["seconds"] = seconds.ToString("R", CultureInfo.InvariantCulture),
        }.ToJsonString();

    public static (int Epoch, int Batch, double LossSum, long Examples, long Correct, long Predictions, double LearningRate, double Seconds) ReadPosition(string json, Func<string, string> fail)
    {
        try
        {
            var root = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException(fail("the interrupted epoch's position is null."));
            int epoch = Required(root, "epoch", fail).GetValue<int>(), batch = Required(root, "batch", fail).GetValue<int>();
            long examples = Required(root, "examples", fail).GetValue<long>(), correct = Required(root, "correct", fail).GetValue<long>();
            long predictions = Required(root, "predictions", fail).GetValue<long>();
            double lossSum = Number(Required(root, "loss_sum", fail).GetValue<string>());
            double lr = Number(Required(root, "lr", fail).GetValue<string>()), seconds = Number(Required(root, "seconds", fail).GetValue<string>());
            if (epoch < 1 || batch < 1 || examples < 1 || correct < 0 || predictions < 0 || correct > predictions || !(lr >= 0 && double.IsFinite(lr)) || !(seconds >= 0))
            {
                throw new InvalidDataException(fail($"the interrupted epoch's position {json} is out of range (epoch and batch from 1, examples from 1, " +
                    "0 ≤ correct ≤ predictions, a finite learning rate ≥ 0)."));
            }
            return (epoch, batch, lossSum, examples, correct, predictions, lr, seconds);
        }
        catch (Exception e) when (IsMalformed(e))
        {
            throw new InvalidDataException(fail($"the interrupted epoch's position is malformed: {e.Message}"), e);
        }

        static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>An epoch's order of example indices as base64 of little-endian 32-bit integers.</summary>
    public static string WriteOrder(int[] order)
    {
        var bytes = new byte[checked(order.Length * sizeof(int))];
        for (int i = 0; i < order.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * sizeof(int)), order[i]);
        return Convert.ToBase64String(bytes);
    }

    public static int[] ReadOrder(string? text, int datasetCount, Func<string, string> fail)
    {
        if (text is null) throw new InvalidDataException(fail("the interrupted epoch's order is missing."));
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException(fail($"the interrupted epoch's order is not base64: {e.Message}"), e);
        }
        if (bytes.Length % sizeof(int) != 0)
            throw new InvalidDataException(fail($"the interrupted epoch's order has {bytes.Length} bytes, not a whole number of 32-bit indices."));
        var order = new int[bytes.Length / sizeof(int)];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(i * sizeof(int)));
            if ((uint)order[i] >= (uint)datasetCount)
                throw new InvalidDataException(fail($"the interrupted epoch's order holds the index {order[i]}, outside the training set's {datasetCount} examples."));
        }
        return order;
    }

    /// <summary>
    /// The exceptions that JSON of the wrong shape raises on its way through System.Text.Json and the typed getters: a
    /// wrong kind of node, a number out of range, a string that is not text. They all mean a malformed file.
    /// </summary>
    internal static bool IsMalformed(Exception e) =>
        e is JsonException or InvalidOperationException or FormatException or NotSupportedException or OverflowException
            or ArgumentException or InvalidCastException or KeyNotFoundException or DecoderFallbackException or EncoderFallbackException;

    private static JsonNode Required(JsonObject node, string name, Func<string, string> fail) =>
        node[name] ?? throw new InvalidDataException(fail($"the entry '{name}' is missing from the saved state."));
}
