using System.Diagnostics;

namespace Nabla.Tests.IO;

/// <summary>Locations in the repository and the optional external tools some tests need.</summary>
internal static class TestEnvironment
{
    public const string Python = "/usr/bin/python3";

    public static string RepoRoot { get; } = FindRepoRoot();

    private static readonly Lazy<string?> PythonProblem = new(() =>
    {
        if (!File.Exists(Python)) return $"{Python} is not installed";
        var (code, output) = Run(Python, "-c \"import numpy\"");
        return code == 0 ? null : $"{Python} cannot import numpy: {output.Trim()}";
    });

    /// <summary>Why the Python interop tests cannot run here, or null when they can.</summary>
    public static string? WhyNoPythonWithNumpy => PythonProblem.Value;

    public static (int ExitCode, string Output) Run(string exe, string arguments)
    {
        var start = new ProcessStartInfo(exe, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Nabla.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"No Nabla.slnx above {AppContext.BaseDirectory}.");
    }
}

/// <summary>A fact that is skipped, with the reason, when /usr/bin/python3 with numpy is unavailable.</summary>
internal sealed class PythonNumpyFactAttribute : FactAttribute
{
    public PythonNumpyFactAttribute()
    {
        if (TestEnvironment.WhyNoPythonWithNumpy is { } reason) Skip = $"Python interop test skipped: {reason}.";
    }
}
