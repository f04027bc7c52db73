namespace Nabla.Training;

/// <summary>
/// Appends one JSON object per epoch (<see cref="EpochLog.ToJson"/>) to a file, one per line (JSON Lines), e.g.
/// <c>{"epoch":1,"train_loss":0.52,"val_loss":0.41,"val_accuracy":0.85,"lr":0.001,"seconds":3.2}</c>.
/// Each line is flushed when written, so the file can be followed while training runs.
/// </summary>
public sealed class JsonlLogger : Callback
{
    /// <summary>Creates the logger.</summary>
    /// <param name="path">The file to write; its directory is created if needed.</param>
    /// <param name="append">Keep the file's lines and add to them (for a resumed run); otherwise training starts a new file.</param>
    public JsonlLogger(string path, bool append = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        Append = append;
    }

    /// <summary>The file written.</summary>
    public string Path { get; }

    /// <summary>Whether lines are added to an existing file.</summary>
    public bool Append { get; }

    /// <summary>Creates the directory and, unless appending, empties the file.</summary>
    public override void OnTrainBegin(Trainer trainer) => LogFile.Prepare(Path, Append);

    /// <summary>Writes the epoch's line.</summary>
    public override void OnEpochEnd(Trainer trainer, EpochLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        File.AppendAllText(Path, log.ToJson() + "\n");
    }
}
