using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla board FOLDER</c>: serves, on this machine only unless <c>--host</c> says otherwise, one page with the runs
/// that <c>nabla train --out</c> wrote under a folder: their curves overlaid, metric by metric, updated live while they
/// train (see <see cref="BoardServer"/>). It prints one line with the address and runs until Ctrl-C or SIGTERM.
/// </summary>
internal static class BoardCommand
{
    /// <summary>The port listened on when --port is not given (TensorBoard's, which users of it will expect).</summary>
    public const int DefaultPort = 6006;

    public static Command Create(TextWriter output, TextWriter error, CliHost host)
    {
        var folder = new Argument<string>("folder") { Description = $"The folder of the runs: every directory down to {BoardRuns.MaxDepth} levels below it with a metrics.jsonl (nabla train --out writes one)." };
        var port = new Option<int>("--port") { Description = "The port to listen on; 0 picks a free one.", DefaultValueFactory = _ => DefaultPort };
        var address = new Option<string>("--host")
        {
            Description = "The address to listen on; one other than 127.0.0.1, ::1 or localhost shows the runs to other machines.",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var command = new Command("board", "Serve a live page of the training curves of the runs under a folder." +
            CliHelp.Examples("nabla board runs/", "nabla board runs/ --port 0", "nabla train --data moons --epochs 50 --out runs/moons & nabla board runs/"))
        {
            folder, port, address,
        };
        command.SetAction(parse => NablaCli.Guard("board", error, () =>
        {
            string path = parse.GetValue(folder)!;
            int portNumber = parse.GetValue(port);
            if (portNumber is < 0 or > 65535) throw new UsageException($"--port must be from 0 to 65535, got {portNumber}.");
            string hostName = parse.GetValue(address)!;
            var ip = hostName.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
                : IPAddress.TryParse(hostName, out var parsed) ? parsed
                : throw new UsageException($"--host must be an IP address or localhost, got '{hostName}'.");
            if (!Directory.Exists(path)) throw new UsageException($"no folder '{path}'.");

            using var stop = new CancellationTokenSource();
            using var interrupt = host.Interrupt.Register(stop.Cancel);
            var signals = host.HandleSignals
                ? new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM }.Select(s => PosixSignalRegistration.Create(s, context =>
                {
                    context.Cancel = true;
                    stop.Cancel();
                })).ToList()
                : [];
            try
            {
                BoardServer server;
                try
                {
                    server = BoardServer.StartAsync(path, path, ip, portNumber, BoardServer.DefaultInterval).GetAwaiter().GetResult();
                }
                catch (IOException e) when (e.InnerException is AddressInUseException)
                {
                    throw new UsageException($"port {portNumber} on {hostName} is in use; pass another --port, or --port 0 for a free one.");
                }
                int runs = server.Runs.Current.Runs.Length;
                output.WriteLine($"board: {server.Url} ({runs} {(runs == 1 ? "run" : "runs")} under {path}); Ctrl-C stops");
                output.Flush();
                stop.Token.WaitHandle.WaitOne();
                server.DisposeAsync().AsTask().GetAwaiter().GetResult();
                return 0;
            }
            finally
            {
                foreach (var signal in signals) signal.Dispose();
            }
        }));
        return command;
    }
}
