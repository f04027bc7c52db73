using Nabla.Cli;

namespace Nabla.Tests.Training;

/// <summary>Runs the <c>nabla</c> command in-process and returns its exit code and what it wrote to each writer.</summary>
internal static class CliRun
{
    /// <summary>Runs <c>nabla</c> with <paramref name="args"/>.</summary>
    public static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = NablaCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Runs <c>nabla</c> with <paramref name="args"/> on <paramref name="host"/> (its signals, memory and clock).</summary>
    public static (int Code, string Output, string Error) Run(CliHost host, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = NablaCli.Run(args, output, error, host with { Args = args });
        return (code, output.ToString(), error.ToString());
    }
}
