using System.Runtime.InteropServices;

namespace Nabla.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM during <c>nabla train</c>: the first one cancels <see cref="Token"/>, so that training
/// stops after the current batch and the run is saved, and sets the exit code to the shell's (130 for SIGINT, 143 for
/// SIGTERM); a second one ends the process at once, which leaves every file whole because each is written to a
/// temporary file and renamed into place. A host's token cancels it too, as a SIGINT.
/// </summary>
internal sealed class Interrupt : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly CancellationTokenRegistration _hostRegistration;
    private readonly TextWriter _error;
    private int _signals;

    /// <summary>Listens to the host's token, and to SIGINT and SIGTERM when the host says to; messages go to <paramref name="error"/>.</summary>
    public Interrupt(CliHost host, TextWriter error)
    {
        _error = error;
        _source = new CancellationTokenSource();
        if (host.HandleSignals)
        {
            _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Signal(context, NablaCli.Interrupted)));
            _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Signal(context, NablaCli.Terminated)));
        }
        _hostRegistration = host.Interrupt.Register(() => Raise(NablaCli.Interrupted));
    }

    /// <summary>Cancelled by the first interrupt.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>The exit code of the first interrupt: <see cref="NablaCli.Interrupted"/> or <see cref="NablaCli.Terminated"/>.</summary>
    public int ExitCode { get; private set; } = NablaCli.Interrupted;

    /// <summary>The name of the first interrupt's signal.</summary>
    public string SignalName => ExitCode == NablaCli.Terminated ? "SIGTERM" : "SIGINT";

    private void Signal(PosixSignalContext context, int exitCode)
    {
        // The second signal is left to the runtime, which ends the process as the signal would.
        context.Cancel = Raise(exitCode);
    }

    /// <summary>Cancels the token on the first interrupt and returns true; returns false on any later one.</summary>
    private bool Raise(int exitCode)
    {
        if (Interlocked.Increment(ref _signals) != 1) return false;
        ExitCode = exitCode;
        _error.WriteLine($"nabla train: {(exitCode == NablaCli.Terminated ? "SIGTERM" : "interrupted")}: finishing the current batch and saving the run (press Ctrl-C again to quit at once)");
        _source.Cancel();
        return true;
    }

    /// <summary>Stops handling signals: from then on they end the process as usual.</summary>
    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _registrations.Clear();
        _hostRegistration.Dispose();
        _source.Dispose();
    }
}
