using System.CommandLine;
using Nabla.Kernels;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla env</c>: prints what the kernels found of the machine (processor, vector instruction sets, caches), the
/// thread count and the GEMM's register tile and cache blocks with the reasons for each, as <c>NABLA_VERBOSE=1</c>
/// would on first use; a bad <c>NABLA_NUM_THREADS</c> or <c>NABLA_GEMM_*</c> value is one line and exit code 2.
/// </summary>
internal static class EnvCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("env", "Show the processor, instruction sets, caches, thread count and GEMM choices the kernels use." + CliHelp.Examples("nabla env", "NABLA_NUM_THREADS=1 nabla env"));
        command.SetAction(_ => NablaCli.Guard("env", error, () =>
        {
            int threads;
            GemmConfiguration gemm;
            try
            {
                threads = Parallelism.NumThreads;
                gemm = GemmConfiguration.Current;
            }
            catch (InvalidOperationException e)
            {
                throw new UsageException(e.Message);
            }

            output.WriteLine($"nabla on .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
            output.WriteLine(gemm.Describe());
            output.WriteLine($"threads: {threads} ({(string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("NABLA_NUM_THREADS")) ? "the processors this process may run on" : "NABLA_NUM_THREADS, at most the processors")})");
            return 0;
        }));
        return command;
    }
}
