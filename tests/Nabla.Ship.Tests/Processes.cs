using System.Diagnostics;

namespace Nabla.Ship.Tests;

/// <summary>The result of a finished process: its exit code and everything it wrote.</summary>
public sealed record ProcessResult(int Code, string Output, string Error)
{
    /// <summary>Standard output and error together, for a failed assertion's message.</summary>
    public override string ToString() => $"exit code {Code}\n{Output}\n{Error}";
}

/// <summary>Runs <c>dotnet</c> and the published <c>nabla</c> as child processes, each with a time limit.</summary>
public static class Processes
{
    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="args"/> in <paramref name="directory"/> and waits for it, killing
    /// it and its children after <paramref name="limit"/>. The MSBuild variables of the test host's own build are left
    /// out, so that a nested <c>dotnet</c> starts as one typed at a shell would.
    /// </summary>
    public static ProcessResult Run(string file, IEnumerable<string> args, string directory, TimeSpan limit, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{file} {string.Join(" ", args)} ran longer than {limit.TotalSeconds:F0} s:\n{output.Result}\n{error.Result}");
        }
        process.WaitForExit();
        return new ProcessResult(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Runs <c>dotnet</c> with <paramref name="args"/>, build servers off so that no process outlives the command.</summary>
    public static ProcessResult Dotnet(string directory, TimeSpan limit, params string[] args) => Run("dotnet", args, directory, limit);
}
