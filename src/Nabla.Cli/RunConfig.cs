using System.Text.Json;
using System.Text.Json.Serialization;
using Nabla.IO;

namespace Nabla.Cli;

/// <summary>
/// The <c>config.json</c> of a run directory: every setting of a <c>nabla train</c> run after its defaults are
/// resolved, so that <c>nabla train --config DIR/config.json</c> repeats the run. Options given on that command line
/// override the file. The file names no paths but its data set: the run directory always comes from <c>--out</c>,
/// and, as with a model file, a data set that names a path (<c>csv:…</c>, <c>text:PATH</c>, …) is refused unopened
/// unless <c>--data</c> says it. A key the file has is a setting; a key it lacks takes the command's default, and
/// <c>null</c> (where allowed) means the setting is off: no clipping, no early stopping, the default threads.
/// </summary>
internal sealed record RunConfig
{
    /// <summary>The largest config file read; a run's is well under 1 KiB.</summary>
    private const int MaxBytes = 1 << 16;

    public string? Data { get; init; }
    public string? Model { get; init; }
    public int? Epochs { get; init; }
    public int? BatchSize { get; init; }
    public double? Lr { get; init; }
    public string? Optimizer { get; init; }
    public double? WeightDecay { get; init; }
    public string? LrSchedule { get; init; }
    public string? Augment { get; init; }
    public int? SequenceLength { get; init; }
    public double? ClipGradNorm { get; init; }
    public ulong? Seed { get; init; }
    public int? Threads { get; init; }
    public int? EarlyStopping { get; init; }
    public bool? Distributed { get; init; }

    /// <summary>The keys the file may have, with the JSON kind each holds, whether it may be null, and what it must be, in words.</summary>
    private static readonly Dictionary<string, (JsonValueKind Kind, bool Nullable, string What)> Keys = new(StringComparer.Ordinal)
    {
        ["data"] = (JsonValueKind.String, false, "a string"),
        ["model"] = (JsonValueKind.String, false, "a string"),
        ["epochs"] = (JsonValueKind.Number, false, "a whole number"),
        ["batch_size"] = (JsonValueKind.Number, false, "a whole number"),
        ["lr"] = (JsonValueKind.Number, false, "a number"),
        ["optimizer"] = (JsonValueKind.String, false, "a string"),
        ["weight_decay"] = (JsonValueKind.Number, false, "a number"),
        ["lr_schedule"] = (JsonValueKind.String, false, "a string"),
        ["augment"] = (JsonValueKind.String, false, "a string"),
        ["sequence_length"] = (JsonValueKind.Number, true, "a whole number or null"),
        ["clip_grad_norm"] = (JsonValueKind.Number, true, "a number or null"),
        ["seed"] = (JsonValueKind.Number, false, "a whole number from 0 to 18446744073709551615"),
        ["threads"] = (JsonValueKind.Number, true, "a whole number or null"),
        ["early_stopping"] = (JsonValueKind.Number, true, "a whole number or null"),
        ["distributed"] = (JsonValueKind.True, false, "true or false"),
    };

    /// <summary>The keys the file has (a key set to null is there too), filled in by <see cref="Read"/>.</summary>
    [JsonIgnore]
    public IReadOnlySet<string> Present { get; private init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Whether the file sets <paramref name="key"/> to null, i.e. turns that setting off.</summary>
    public bool IsOff(string key) => Present.Contains(key) && key switch
    {
        "clip_grad_norm" => ClipGradNorm is null,
        "early_stopping" => EarlyStopping is null,
        "threads" => Threads is null,
        "sequence_length" => SequenceLength is null,
        _ => false,
    };

    /// <summary>The file as <c>nabla train</c> writes it: indented JSON with one key per setting.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, RunConfigJson.Default.RunConfig) + "\n";

    /// <summary>The settings as (key, value) rows for a table, in the file's order, with null shown as <c>none</c>.</summary>
    public IReadOnlyList<(string Key, string Value)> Rows()
    {
        using var document = JsonDocument.Parse(JsonSerializer.Serialize(this, RunConfigJson.Default.RunConfig));
        return [.. document.RootElement.EnumerateObject().Select(p => (p.Name, p.Value.ValueKind switch
        {
            JsonValueKind.String => p.Value.GetString()!,
            JsonValueKind.Null => "none",
            _ => p.Value.GetRawText(),
        }))];
    }

    /// <summary>
    /// Reads the config file at <paramref name="path"/>, checking it strictly: an unknown or repeated key, a value of
    /// the wrong kind or out of range, or a choice that is not one of the command's is a <see cref="UsageException"/>
    /// naming the file and the key.
    /// </summary>
    public static RunConfig Read(string path, IReadOnlyList<string> models, IReadOnlyList<string> optimizers, IReadOnlyList<string> schedules, IReadOnlyList<string> augments)
    {
        if (!File.Exists(path)) throw new UsageException($"--config: the file {Quoted.Of(path, 200)} does not exist.");
        string where = $"the config file {Quoted.Of(path, 200)}";
        byte[] bytes;
        using (var stream = File.OpenRead(path))
        {
            if (stream.Length > MaxBytes) throw new UsageException($"{where} is {stream.Length} bytes, more than a config's {MaxBytes}.");
            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }
        // A byte order mark, which some editors write, is not JSON.
        if (bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];
        var present = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new UsageException($"{where} is not a JSON object of settings.");
            foreach (var property in document.RootElement.EnumerateObject())
            {
                string key = property.Name;
                if (!Keys.TryGetValue(key, out var expected))
                    throw new UsageException($"{where} has the unknown key {Quoted.Of(key)}; the keys are {string.Join(", ", Keys.Keys)}.");
                if (!present.Add(key)) throw new UsageException($"{where} has the key {Quoted.Of(key)} twice.");
                var kind = property.Value.ValueKind;
                bool fits = kind == expected.Kind || (expected.Kind == JsonValueKind.True && kind == JsonValueKind.False) || (expected.Nullable && kind == JsonValueKind.Null);
                if (!fits) throw new UsageException($"{where}: the key {Quoted.Of(key)} must be {expected.What}, not {KindName(kind)}.");
            }
        }
        catch (JsonException e)
        {
            throw new UsageException($"{where} is not valid JSON: {e.Message}");
        }

        RunConfig config;
        try
        {
            config = JsonSerializer.Deserialize(bytes, RunConfigJson.Default.RunConfig) ?? throw new UsageException($"{where} is not a JSON object of settings.");
        }
        catch (JsonException e)
        {
            string key = e.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : "?";
            throw new UsageException($"{where}: the key {Quoted.Of(key)} must be {(Keys.TryGetValue(key, out var k) ? k.What : "a valid value")}.");
        }
        Choice(where, "model", config.Model, models);
        Choice(where, "optimizer", config.Optimizer, optimizers);
        Choice(where, "lr_schedule", config.LrSchedule, schedules);
        Choice(where, "augment", config.Augment, augments);
        return config with { Present = present };
    }

    private static void Choice(string where, string key, string? value, IReadOnlyList<string> choices)
    {
        if (value is not null && !choices.Contains(value, StringComparer.Ordinal))
            throw new UsageException($"{where}: the key {Quoted.Of(key)} is {Quoted.Of(value)}, not one of {string.Join(", ", choices)}.");
    }

    private static string KindName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => "null",
    };
}

/// <summary>The JSON contract of <see cref="RunConfig"/>, generated at compile time so it needs no reflection and survives trimming.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(RunConfig))]
internal sealed partial class RunConfigJson : JsonSerializerContext;
