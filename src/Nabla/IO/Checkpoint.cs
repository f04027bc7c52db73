using System.Globalization;
using System.Text.Json;

namespace Nabla.IO;

/// <summary>Everything needed to resume training where it stopped.</summary>
public sealed class CheckpointData
{
    /// <summary>The model's state dict: parameters and buffers by their dotted names.</summary>
    public IReadOnlyDictionary<string, Tensor> Model { get; init; } = new Dictionary<string, Tensor>();

    /// <summary>The optimizer's per-parameter tensors (moments, momentum buffers) by name.</summary>
    public IReadOnlyDictionary<string, Tensor> OptimizerTensors { get; init; } = new Dictionary<string, Tensor>();

    /// <summary>The optimizer's scalar state and hyper-parameters, as a JSON document.</summary>
    public string OptimizerJson { get; init; } = "{}";

    /// <summary>The learning-rate schedule's state as a JSON document, or null when there is no schedule.</summary>
    public string? SchedulerJson { get; init; }

    /// <summary>The number of completed epochs.</summary>
    public int Epoch { get; init; }

    /// <summary>The number of completed optimizer steps.</summary>
    public long Step { get; init; }

    /// <summary>The random generator's state, from <see cref="Generator.GetState"/>.</summary>
    public ulong[] RngState { get; init; } = [];

    /// <summary>Free-form string pairs (run name, git commit, configuration).</summary>
    public Dictionary<string, string> Metadata { get; init; } = [];
}

/// <summary>
/// Saves and loads a training checkpoint as one safetensors file, written atomically (temporary file,
/// flush to disk, rename), so an interrupted save never destroys the previous checkpoint.
/// </summary>
/// <remarks>
/// Layout: model tensors are stored as <c>model.&lt;name&gt;</c> and optimizer tensors as
/// <c>optim.&lt;name&gt;</c>; <c>__metadata__</c> holds <c>format</c> (<see cref="Format"/>),
/// <c>epoch</c>, <c>step</c>, <c>optimizer</c> and <c>scheduler</c> (JSON documents), <c>rng_state</c>
/// (comma-separated 64-bit hexadecimal words) and each user entry as <c>meta.&lt;key&gt;</c>.
/// Any safetensors reader can open the file; <c>model.*</c> is an ordinary state dict.
/// </remarks>
public static class Checkpoint
{
    /// <summary>The value of the <c>format</c> metadata entry that marks a Nabla checkpoint.</summary>
    public const string Format = "nabla.checkpoint/1";

    private const string ModelPrefix = "model.";
    private const string OptimizerPrefix = "optim.";
    private const string UserPrefix = "meta.";

    /// <summary>Writes <paramref name="data"/> to <paramref name="path"/> atomically.</summary>
    /// <exception cref="ArgumentException">A member of <paramref name="data"/> is invalid (negative epoch or step, malformed JSON).</exception>
    public static void Save(string path, CheckpointData data)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Epoch < 0) throw new ArgumentException($"Checkpoint.Save: Epoch is {data.Epoch}; it must be ≥ 0.", nameof(data));
        if (data.Step < 0) throw new ArgumentException($"Checkpoint.Save: Step is {data.Step}; it must be ≥ 0.", nameof(data));
        ArgumentNullException.ThrowIfNull(data.Model, "data.Model");
        ArgumentNullException.ThrowIfNull(data.OptimizerTensors, "data.OptimizerTensors");
        ArgumentNullException.ThrowIfNull(data.RngState, "data.RngState");
        ArgumentNullException.ThrowIfNull(data.Metadata, "data.Metadata");
        RequireJson(data.OptimizerJson, "OptimizerJson", nameof(data));
        if (data.SchedulerJson is not null) RequireJson(data.SchedulerJson, "SchedulerJson", nameof(data));

        var tensors = new Dictionary<string, Tensor>(data.Model.Count + data.OptimizerTensors.Count, StringComparer.Ordinal);
        foreach (var (name, tensor) in data.Model) tensors.Add(ModelPrefix + name, tensor);
        foreach (var (name, tensor) in data.OptimizerTensors) tensors.Add(OptimizerPrefix + name, tensor);

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = Format,
            ["epoch"] = data.Epoch.ToString(CultureInfo.InvariantCulture),
            ["step"] = data.Step.ToString(CultureInfo.InvariantCulture),
            ["optimizer"] = data.OptimizerJson,
            ["rng_state"] = string.Join(",", data.RngState.Select(w => w.ToString("x16", CultureInfo.InvariantCulture))),
        };
        if (data.SchedulerJson is not null) metadata["scheduler"] = data.SchedulerJson;
        foreach (var (key, value) in data.Metadata) metadata[UserPrefix + key] = value;

        SafeTensors.Save(path, tensors, metadata);
    }

    /// <summary>Reads a checkpoint written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file or not a Nabla checkpoint; the message names the file and the problem.</exception>
    public static CheckpointData Load(string path)
    {
        var file = SafeTensors.Load(path);
        var meta = file.Metadata;
        string Required(string key) =>
            meta.TryGetValue(key, out var value) ? value : throw Invalid(path, $"the metadata entry '{key}' is missing.");

        if (!meta.TryGetValue("format", out var format) || format != Format)
            throw Invalid(path, $"the metadata entry 'format' is {(format is null ? "missing" : Quoted.Of(format))}; a Nabla checkpoint has '{Format}'.");
        if (!int.TryParse(Required("epoch"), NumberStyles.None, CultureInfo.InvariantCulture, out int epoch))
            throw Invalid(path, $"the epoch {Quoted.Of(meta["epoch"])} is not a non-negative integer.");
        if (!long.TryParse(Required("step"), NumberStyles.None, CultureInfo.InvariantCulture, out long step))
            throw Invalid(path, $"the step {Quoted.Of(meta["step"])} is not a non-negative integer.");
        string optimizer = Required("optimizer");
        if (!IsJson(optimizer)) throw Invalid(path, "the 'optimizer' entry is not valid JSON.");
        string? scheduler = meta.TryGetValue("scheduler", out var s) ? s : null;
        if (scheduler is not null && !IsJson(scheduler)) throw Invalid(path, "the 'scheduler' entry is not valid JSON.");
        var rng = ParseRngState(Required("rng_state"), path);

        var user = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in meta)
        {
            if (key.StartsWith(UserPrefix, StringComparison.Ordinal)) user[key[UserPrefix.Length..]] = value;
            else if (key is not ("format" or "epoch" or "step" or "optimizer" or "scheduler" or "rng_state"))
                throw Invalid(path, $"unexpected metadata entry {Quoted.Of(key)}.");
        }

        var model = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var optimTensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in file.Tensors)
        {
            if (name.StartsWith(ModelPrefix, StringComparison.Ordinal)) model[name[ModelPrefix.Length..]] = tensor;
            else if (name.StartsWith(OptimizerPrefix, StringComparison.Ordinal)) optimTensors[name[OptimizerPrefix.Length..]] = tensor;
            else throw Invalid(path, $"tensor {Quoted.Of(name)} is neither 'model.*' nor 'optim.*'.");
        }

        return new CheckpointData
        {
            Model = model,
            OptimizerTensors = optimTensors,
            OptimizerJson = optimizer,
            SchedulerJson = scheduler,
            Epoch = epoch,
            Step = step,
            RngState = rng,
            Metadata = user,
        };
    }

    private static ulong[] ParseRngState(string text, string path)
    {
        if (text.Length == 0) return [];
        var words = text.Split(',');
        var state = new ulong[words.Length];
        for (int i = 0; i < words.Length; i++)
        {
            if (!ulong.TryParse(words[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out state[i]))
                throw Invalid(path, $"word {i} of 'rng_state', {Quoted.Of(words[i])}, is not a hexadecimal 64-bit integer.");
        }
        return state;
    }

    private static void RequireJson(string? json, string member, string paramName)
    {
        if (json is null) throw new ArgumentNullException(paramName + "." + member, $"Checkpoint.Save: {member} is null.");
        if (!IsJson(json)) throw new ArgumentException($"Checkpoint.Save: {member} is not valid JSON: {Truncate(json)}", paramName);
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "…";

    private static InvalidDataException Invalid(string path, string problem) => new($"Checkpoint.Load: '{path}': {problem}");
}
