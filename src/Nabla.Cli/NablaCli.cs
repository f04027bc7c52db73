using System.CommandLine;
using System.CommandLine.Help;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>
/// The <c>nabla</c> command: <c>train</c>, <c>eval</c>, <c>predict</c>, <c>explain</c>, <c>generate</c>, <c>graph</c>, <c>export</c>, <c>gradcheck</c>, <c>env</c> and <c>board</c>. Exit codes:
/// 0 success, 1 a failed check or an unexpected error, 2 bad input (an unknown option value, a missing file), 3 training
/// stopped because the loss or the gradient became NaN or infinite, 4 memory that cannot be had (a training batch that needs more
/// than is available, said before training starts, or memory that ran out anyway), 130 and 143 training interrupted by Ctrl-C (SIGINT)
/// or SIGTERM and saved for a resume; each failure is one line on the error writer.
/// </summary>
public static class NablaCli
{
    /// <summary>The exit code for bad input.</summary>
    public const int UsageError = 2;

    /// <summary>The exit code for training stopped by a non-finite loss or gradient.</summary>
    public const int Diverged = 3;

    /// <summary>The exit code for memory the process cannot have: a training batch refused before training because its step needs more than the process may take, or memory that ran out anyway.</summary>
    public const int InsufficientMemory = 4;

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
        // A command named "nabla" rather than a RootCommand, whose name is the executable's ("Nabla.Cli"), so that every
        // usage line reads as the command is typed.
        var root = new Command("nabla", "Train, evaluate and inspect Nabla models (reverse-mode autodiff in C#).")
        {
            new HelpOption(),
            new VersionOption(),
        };
        root.Subcommands.Add(TrainCommand.Create(output, error, host));
        root.Subcommands.Add(EvalCommand.Create(output, error));
        root.Subcommands.Add(PredictCommand.Create(output, error));
        root.Subcommands.Add(ExplainCommand.Create(output, error));
        root.Subcommands.Add(GenerateCommand.Create(output, error));
        root.Subcommands.Add(GraphCommand.Create(output, error));
        root.Subcommands.Add(ExportCommand.Create(output, error));
        root.Subcommands.Add(GradCheckCommand.Create(output, error));
        root.Subcommands.Add(EnvCommand.Create(output, error));
        root.Subcommands.Add(BoardCommand.Create(output, error, host));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var command = parse.CommandResult.Command;
            string help = command == root ? "nabla --help" : $"nabla {command.Name} --help";
            error.WriteLine($"nabla: {string.Join(" ", parse.Errors.Select(e => Friendly(e.Message) + Suggestion(parse.UnmatchedTokens, e.Message, command)))} (see '{help}').");
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
        catch (OutOfMemoryException)
        {
            var memory = GC.GetGCMemoryInfo();
            error.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"nabla {command}: out of memory (the process may use {memory.TotalAvailableMemoryBytes / (1 << 20):N0} MiB, it held {memory.HeapSizeBytes / (1 << 20):N0} MiB); try a smaller --batch-size or a smaller model."));
            return InsufficientMemory;
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

    /// <summary>
    /// " Did you mean '--epochs'?" when the error is about a token the command did not recognise and one of the command's
    /// options or subcommands is within two edits of it (or starts with it); otherwise nothing.
    /// </summary>
    internal static string Suggestion(IReadOnlyList<string> unmatched, string message, Command command)
    {
        var token = unmatched.FirstOrDefault(t => message.Contains($"'{t}'", StringComparison.Ordinal));
        if (token is null) return "";
        var names = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Concat(command.Subcommands.Select(c => c.Name))
            .Where(n => n.Length > 0 && n != "-?" && n != "-h" && n != "/?" && n != "/h").Distinct();
        var best = names.Select(n => (Name: n, Distance: n.StartsWith(token, StringComparison.Ordinal) && token.Length >= 3 ? 0 : Edits(token, n)))
            .Where(c => c.Distance <= Math.Min(2, Math.Max(1, token.Length / 3)))
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault();
        return best.Name is null ? "" : $" Did you mean '{best.Name}'?";
    }

    /// <summary>The edits (insertions, deletions, substitutions and swaps of neighbours) that turn <paramref name="a"/> into <paramref name="b"/>.</summary>
    private static int Edits(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }

    private static readonly (string Type, string Words)[] TypeWords =
        [("Int32", "an integer"), ("UInt64", "a non-negative integer"), ("Double", "a number"), ("Boolean", "true or false")];

    private static string OneLine(string message) => string.Join(" ", message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
}
