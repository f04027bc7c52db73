namespace Nabla.Cli;

/// <summary>The parts of the commands' help text they share.</summary>
internal static class CliHelp
{
    /// <summary>An "Examples:" block for a command's description, one command line per line.</summary>
    public static string Examples(params string[] lines) =>
        "\n\nExamples:\n" + string.Join("\n", lines.Select(l => "  " + l));
}
