using System.Text.Json.Serialization;
using Nabla.Optim;
using Nabla.Optim.Schedulers;

namespace Nabla.IO;

/// <summary>
/// The JSON contracts of what Nabla writes into checkpoints and model files, generated at compile time, so that
/// serialisation needs no reflection and survives trimming. Non-finite numbers are written as named literals
/// (<c>"NaN"</c>, <c>"Infinity"</c>) and read back.
/// </summary>
[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(OptimizerOptions))]
[JsonSerializable(typeof(LRSchedulerState))]
[JsonSerializable(typeof(int[]))]
internal sealed partial class NablaJson : JsonSerializerContext;
