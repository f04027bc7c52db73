using System.Globalization;
using System.Text;

namespace Nabla.Training;

/// <summary>
/// Writes one row per epoch to a CSV file (Keras's <c>CSVLogger</c>): a header of metric names
/// (<see cref="EpochLog.NamedValues"/> of the first epoch written) and then the values, flushed after every epoch.
/// </summary>
public sealed class CsvLogger : Callback
{
    private string[]? _columns;

    /// <summary>Creates the logger.</summary>
    /// <param name="path">The file to write; its directory is created if needed.</param>
    /// <param name="separator">The field separator; not a quote, a digit, a letter, a period or a line break.</param>
    /// <param name="append">Add rows to an existing file (for a resumed run) under its header; otherwise training starts a new file.</param>
    public CsvLogger(string path, char separator = ',', bool append = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (separator is '"' or '\r' or '\n' or '.' or '-' or '+' || char.IsLetterOrDigit(separator))
            throw new ArgumentException($"CsvLogger: the separator '{separator}' could be part of a value; use ',', ';' or a tab.", nameof(separator));
        Path = path;
        Separator = separator;
        Append = append;
    }

    /// <summary>The file written.</summary>
    public string Path { get; }

    /// <summary>The field separator.</summary>
    public char Separator { get; }

    /// <summary>Whether rows are added to an existing file.</summary>
    public bool Append { get; }

    /// <summary>Creates the directory and, unless appending, empties the file; when appending, adopts the file's header.</summary>
    public override void OnTrainBegin(Trainer trainer)
    {
        LogFile.Prepare(Path, Append);
        string? header = Append ? File.ReadLines(Path).FirstOrDefault() : null;
        _columns = string.IsNullOrEmpty(header) ? null : header.Split(Separator);
    }

    /// <summary>Writes the epoch's row (and the header first, in a new file); a column the epoch lacks is left empty.</summary>
    public override void OnEpochEnd(Trainer trainer, EpochLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var metrics = log.NamedValues();
        var sb = new StringBuilder();
        if (_columns is null)
        {
            _columns = [.. metrics.Select(m => m.Key)];
            sb.AppendJoin(Separator, _columns).Append('\n');
        }
        sb.AppendJoin(Separator, _columns.Select(column =>
        {
            foreach (var (name, value) in metrics)
                if (name == column) return value.ToString("R", CultureInfo.InvariantCulture);
            return "";
        })).Append('\n');
        File.AppendAllText(Path, sb.ToString());
    }
}
