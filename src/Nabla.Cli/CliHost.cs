namespace Nabla.Cli;

/// <summary>How <c>nabla train</c> shows its progress.</summary>
internal enum ProgressMode
{
    /// <summary>No progress beyond the epoch lines (output that is neither a terminal nor the redirected console).</summary>
    None,

    /// <summary>A plain line every <see cref="CliHost.PlainInterval"/> (redirected output: CI logs, pipes).</summary>
    Plain,

    /// <summary>A live progress bar drawn with Spectre.Console (a terminal).</summary>
    Live,
}

/// <summary>
/// What the command's surroundings provide: the arguments it was started with (for the resume command it prints),
/// the progress display, and interrupts: Ctrl-C and SIGTERM when run as a process, or a token a test cancels.
/// </summary>
internal sealed record CliHost
{
    /// <summary>The host of <see cref="NablaCli.Run(string[], TextWriter, TextWriter)"/>: no progress display and no signal handlers.</summary>
    public static CliHost Embedded { get; } = new();

    /// <summary>The host of the <c>nabla</c> process: a live bar on a terminal, plain lines when redirected, Ctrl-C and SIGTERM handled.</summary>
    public static CliHost Console(string[] args) => new()
    {
        Args = args,
        // Under mpirun a rank's output is a pseudo-terminal that mpirun forwards line by line, so it gets plain lines too.
        Progress = System.Console.IsOutputRedirected || Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null
            ? ProgressMode.Plain : ProgressMode.Live,
        HandleSignals = true,
    };

    /// <summary>The command line, as given.</summary>
    public string[] Args { get; init; } = [];

    /// <summary>The progress display.</summary>
    public ProgressMode Progress { get; init; }

    /// <summary>The least time between two plain progress lines.</summary>
    public TimeSpan PlainInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Whether SIGINT and SIGTERM interrupt training (a process), rather than end the process.</summary>
    public bool HandleSignals { get; init; }

    /// <summary>An interrupt from outside, as if by Ctrl-C, when this token is cancelled (a test's).</summary>
    public CancellationToken Interrupt { get; init; }

    /// <summary>The bytes training may take, instead of what the runtime reports (a test's, to see a batch refused for memory).</summary>
    public long? AvailableMemory { get; init; }

    /// <summary>Runs after every training step, before the interrupt is looked at (a test's hook).</summary>
    public Action<Training.BatchLog>? OnBatch { get; init; }
}
