using System.Diagnostics;
using System.Text;

namespace Nabla.Viz;

/// <summary>Runs Graphviz's <c>dot</c> as a child process to lay out and render DOT text.</summary>
internal static class Graphviz
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>The full path of <c>dot</c> on the PATH, or null when Graphviz is not installed.</summary>
    public static string? FindDot() => FindDot(Environment.GetEnvironmentVariable("PATH"));

    /// <summary>The full path of <c>dot</c> in the directories of <paramref name="searchPath"/>, or null.</summary>
    public static string? FindDot(string? searchPath)
    {
        string name = OperatingSystem.IsWindows() ? "dot.exe" : "dot";
        foreach (var dir in (searchPath ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Renders <paramref name="dot"/> to an SVG document with <c>dot -Tsvg</c>.</summary>
    public static string RenderSvg(string dot) => RenderSvg(dot, FindDot());

    /// <summary>Renders <paramref name="dot"/> with the <c>dot</c> executable <paramref name="dotPath"/> (null when none was found).</summary>
    public static string RenderSvg(string dot, string? dotPath)
    {
        string exe = dotPath ?? throw new InvalidOperationException(
            "GraphExport.ToSvg: Graphviz's 'dot' was not found on the PATH. Install Graphviz (apt-get install graphviz), " +
            "or save GraphExport.ToDot(...) to a .dot file and render it elsewhere.");
        var start = new ProcessStartInfo(exe, "-Tsvg")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"GraphExport.ToSvg: could not start '{exe}'.");
        // Both pipes are drained while stdin is written, so a large graph cannot deadlock on a full pipe buffer.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(dot);
        process.StandardInput.Close();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"GraphExport.ToSvg: '{exe} -Tsvg' did not finish within {Timeout.TotalSeconds:0} s.");
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"GraphExport.ToSvg: '{exe} -Tsvg' failed with exit code {process.ExitCode}: {stderr.Result.Trim()}");
        return stdout.Result;
    }
}
