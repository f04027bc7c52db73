using System.CommandLine;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>
/// The <c>nabla</c> command: <c>train</c>, <c>eval</c>, <c>predict</c>, <c>explain</c>, <c>generate</c>, <c>graph</c>, <c>export</c>, <c>gradcheck</c> and <c>env</c>. Exit codes:
/// 0 success, 1 a failed check or an unexpected error, 2 bad input (an unknown option value, a missing file), 3 training
/// stopped because the loss or the gradient became NaN or infinite, 130 and 143 training interrupted by Ctrl-C (SIGINT)
/// or SIGTERM and saved for a resume; each failure is one line on the error writer.
/// </summary>
public static class NablaCli
{
    /// <summary>The exit code for bad input.</summary>
    public const int UsageError = 2;

    /// <summary>The exit code for training stopped by a non-finite loss or gradient.</summary>
    public const int Diverged = 3;

    /// <summary>The exit code for training interrupted by Ctrl-C (SIGINT), as a shell reports a process that SIGINT ended: 128 + 2.</summary>
    public const int Interrupted = 130;

    /// <summary>The exit code for training interrupted by SIGTERM: 128 + 15.</summary>
    public const int Terminated = 143;

    /// <summary>Runs the command line <paramref name="args"/>, writing results to <paramref name="output"/> and problems to <paramref name="error"/>.</summary>
    /// <returns>The process exit code.</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        return Run(args, output, error, CliHost.Embedded with { Args = args });
    }

    /// <summary>Runs the command line in <paramref name="host"/>'s surroundings (the process's, or a test's).</summary>
    internal static int Run(string[] args, TextWriter output, TextWriter error, CliHost host)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var root = new RootCommand("nabla: train, evaluate and inspect Nabla models (reverse-mode autodiff in C#).");
        root.Subcommands.Add(TrainCommand.Create(output, error, host));
        root.Subcommands.Add(EvalCommand.Create(output, error));
        root.Subcommands.Add(PredictCommand.Create(output, error));
        root.Subcommands.Add(ExplainCommand.Create(output, error));
        root.Subcommands.Add(GenerateCommand.Create(output, error));
        root.Subcommands.Add(GraphCommand.Create(output, error));
        root.Subcommands.Add(ExportCommand.Create(output, error));
        root.Subcommands.Add(GradCheckCommand.Create(output, error));
        root.Subcommands.Add(EnvCommand.Create(output, error));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            error.WriteLine($"nabla: {string.Join(" ", parse.Errors.Select(e => Friendly(e.Message)))} (see 'nabla --help').");
            return UsageError;
        }
        return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
    }

    /// <summary>
    /// Runs a command's body, turning bad input into one line on <paramref name="error"/> and exit code 2, training that
    /// stopped at a non-finite loss or gradient into one line and exit code 3, and any other failure into one line and
    /// exit code 1; never a stack trace.
    /// </summary>
    internal static int Guard(string command, TextWriter error, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is UsageException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or ArgumentException)
        {
            error.WriteLine($"nabla {command}: {OneLine(e.Message)}");
            return UsageError;
        }
        catch (NonFiniteLossException e)
        {
            error.WriteLine($"nabla {command}: {OneLine(e.Message)}");
            return Diverged;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"nabla {command}: {OneLine(e.Message)}");
            return UsageError;
        }
        catch (Exception e)
        {
            error.WriteLine($"nabla {command}: internal error ({e.GetType().Name}): {OneLine(e.Message)}");
            return 1;
        }
    }

    /// <summary>A parse error on one line, with .NET type names such as <c>System.Nullable`1[System.Int32]</c> said in words.</summary>
    private static string Friendly(string message)
    {
        string text = OneLine(message.Replace("\t", " ", StringComparison.Ordinal));
        foreach (var (type, words) in TypeWords)
            text = text.Replace($"'System.Nullable`1[System.{type}]'", words, StringComparison.Ordinal).Replace($"'System.{type}'", words, StringComparison.Ordinal);
        return text;
    }

    private static readonly (string Type, string Words)[] TypeWords =
        [("Int32", "an integer"), ("UInt64", "a non-negative integer"), ("Double", "a number"), ("Boolean", "true or false")];

    private static string OneLine(string message) => string.Join(" ", message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
}
