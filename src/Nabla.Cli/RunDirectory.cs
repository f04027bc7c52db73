using Nabla.IO;

namespace Nabla.Cli;

/// <summary>
/// The <c>--out</c> directory of <c>nabla train</c>, held for the whole run: a lock refuses a second run into it,
/// temporary files that a killed run left behind are removed, and a finished or interrupted run is not overwritten
/// unless asked. Every file is written with <see cref="AtomicFile"/>, so a kill at any moment leaves each file whole
/// and a symbolic link in the directory is replaced, never followed.
/// </summary>
internal sealed class RunDirectory : IDisposable
{
    /// <summary>The files a run writes; any of them marks the directory as holding a run.</summary>
    public static readonly string[] RunFiles =
        ["config.json", "checkpoint.safetensors", "metrics.jsonl", "model.safetensors", "curves.svg", "confusion.svg", "report.html", "graph.dot", "graph.svg"];

    /// <summary>The files earlier versions wrote to a run directory: they mark it as holding a run too, and --overwrite removes them.</summary>
    public static readonly string[] FormerRunFiles = ["loss.svg"];

    /// <summary>The lock file's name.</summary>
    public const string LockName = ".lock";

    private readonly FileStream _lock;

    private RunDirectory(string path, FileStream lockStream)
    {
        Path = path;
        _lock = lockStream;
    }

    /// <summary>The directory.</summary>
    public string Path { get; }

    /// <summary>The full path of the run file <paramref name="name"/>.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>
    /// Creates and locks <paramref name="path"/>, removes its orphaned temporary files, and checks that a new run
    /// (<paramref name="resume"/> false) does not overwrite an earlier one unless <paramref name="force"/> (--overwrite) says to,
    /// in which case the earlier run's files are removed.
    /// </summary>
    public static RunDirectory Open(string path, bool resume, bool force)
    {
        Directory.CreateDirectory(path);
        string lockPath = System.IO.Path.Combine(path, LockName);
        // The lock is the open file, not its existence: a run killed with SIGKILL leaves the file behind, but the
        // system releases its lock, so the next run takes it. A link named .lock is removed so the lock is never
        // taken on some other file.
        if (new FileInfo(lockPath).LinkTarget is not null) System.IO.File.Delete(lockPath);
        FileStream lockStream;
        try
        {
            lockStream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new UsageException($"another 'nabla train' is running with --out '{path}' (it holds {LockName} there); wait for it to finish or pass another --out.");
        }
        var run = new RunDirectory(path, lockStream);
        try
        {
            run.RemoveOrphans();
            var existing = RunFiles.Concat(FormerRunFiles).Where(f => System.IO.File.Exists(run.File(f)) || new FileInfo(run.File(f)).LinkTarget is not null).ToList();
            if (!resume && existing.Count > 0)
            {
                if (!force)
                {
                    throw new UsageException($"'{path}' already holds a run ({string.Join(", ", existing)}); continue it with --resume, " +
                        "pass another --out, or pass --overwrite to replace it.");
                }
                foreach (var name in existing) System.IO.File.Delete(run.File(name));
            }
            return run;
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }

    /// <summary>Removes the temporary files of writes that a killed run never finished.</summary>
    private void RemoveOrphans()
    {
        foreach (var temp in Directory.EnumerateFiles(Path, "*" + AtomicFile.TempMarker + "*"))
            System.IO.File.Delete(temp);
    }

    /// <summary>Writes the run file <paramref name="name"/> atomically.</summary>
    public void WriteText(string name, string text) => AtomicFile.WriteAllText(File(name), text);

    /// <summary>Removes the run file <paramref name="name"/> (a link itself, never what it points at), if it is there.</summary>
    public void Remove(string name) => System.IO.File.Delete(File(name));

    /// <summary>Releases the lock.</summary>
    public void Dispose() => _lock.Dispose();
}
