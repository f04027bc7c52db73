using System.Diagnostics;

namespace Nabla.Distributed.Tests;

/// <summary>Runs only where Open MPI's mpirun is on the PATH (CI installs openmpi-bin).</summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (MpiRun.Launcher is null) Skip = "mpirun is not installed (Debian: apt-get install openmpi-bin); the multi-process tests need it.";
    }
}

/// <summary>Starts programs of this build under <c>mpirun -np N</c> and collects what they print.</summary>
internal static class MpiRun
{
    public static readonly string? Launcher = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, "mpirun"))
        .FirstOrDefault(File.Exists);

    /// <summary>The worker program's assembly, in its own build folder (same configuration as this test assembly).</summary>
    public static string Worker => Sibling("tests/Nabla.Distributed.Worker", "Nabla.Distributed.Worker.dll");

    /// <summary>The nabla command's assembly.</summary>
    public static string Cli => Sibling("src/Nabla.Cli", "Nabla.Cli.dll");

    public sealed record Result(int ExitCode, string Output, TimeSpan Elapsed);

    /// <summary>
    /// <c>mpirun -np <paramref name="ranks"/> dotnet <paramref name="assembly"/> args</c>, as root if need be, with
    /// more ranks than cores allowed and one compute thread per rank; or the program alone when ranks is 0.
    /// </summary>
    public static Result Run(int ranks, string assembly, string arguments, TimeSpan limit)
    {
        var start = ranks == 0
            ? new ProcessStartInfo("dotnet", $"\"{assembly}\" {arguments}")
            : new ProcessStartInfo(Launcher!, $"--allow-run-as-root --oversubscribe --bind-to none -np {ranks} dotnet \"{assembly}\" {arguments}");
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        start.Environment["NABLA_NUM_THREADS"] = "1";
        start.Environment["DOTNET_TieredPGO"] = "0";
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"'{start.FileName} {start.Arguments}' did not finish in {limit}: {output.Result}{error.Result}");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, output.Result + error.Result, watch.Elapsed);
    }

    private static string Sibling(string project, string file)
    {
        // This assembly sits in tests/Nabla.Distributed.Tests/bin/<configuration>/<framework>/.
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = here.Name, configuration = here.Parent!.Name;
        var root = here.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        var path = Path.Combine(root, project, "bin", configuration, framework, file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built", path);
    }
}
