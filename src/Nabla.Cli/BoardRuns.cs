using System.Globalization;
using System.Text.Json;

namespace Nabla.Cli;

/// <summary>One line of a run's <c>metrics.jsonl</c>: its metrics by name in the line's order, a non-finite one as NaN or ±infinity.</summary>
internal sealed record BoardEpoch(KeyValuePair<string, double>[] Metrics);

/// <summary>A run as the board last read it; a new record replaces it whenever one of its files changes.</summary>
internal sealed record BoardRun
{
    /// <summary>The run's directory relative to the board's folder, with '/' between the parts; "." for the folder itself.</summary>
    public required string Name { get; init; }

    /// <summary>The epochs read so far, in the file's order.</summary>
    public BoardEpoch[] Epochs { get; init; } = [];

    /// <summary>Counts the times the metrics were read anew from the file's start (the file was replaced by a shorter or different one).</summary>
    public int Generation { get; init; }

    /// <summary>The lines that were skipped: not a JSON object with a numeric <c>epoch</c>, too long, or past <see cref="BoardRuns.MaxEpochs"/>.</summary>
    public int Skipped { get; init; }

    /// <summary>The metric names of all epochs, in the order they first appear.</summary>
    public string[] Keys { get; init; } = [];

    /// <summary>The top-level settings of the run's <c>config.json</c>, each as text; empty when it has none or cannot be read.</summary>
    public KeyValuePair<string, string>[] Config { get; init; } = [];

    /// <summary>Which of <see cref="BoardRuns.PageFiles"/> the run has.</summary>
    public string[] Files { get; init; } = [];

    /// <summary>The <see cref="BoardSnapshot.Version"/> in which this record first appeared.</summary>
    public long Version { get; init; }
}

/// <summary>Every run under the board's folder at one moment, in name order, and a number that grows with every change.</summary>
internal sealed record BoardSnapshot(long Version, BoardRun[] Runs);

/// <summary>
/// The runs under a folder: every directory down to <see cref="MaxDepth"/> levels below it (hidden ones and symbolic
/// links to directories left out) that holds a <c>metrics.jsonl</c>. <see cref="Scan"/> reads what changed since the
/// last scan: the lines appended to a metrics file (a half-written last line waits for its end), or the whole file
/// when it was replaced, its <c>config.json</c> and which pages it has. Lines that are not a metrics object are
/// counted and skipped, so a damaged or foreign file never stops the board. Nothing outside the folder is read: a
/// symbolic link is followed only when its target lies inside the folder too.
/// </summary>
internal sealed class BoardRuns
{
    /// <summary>The deepest directory searched, counted from the folder (0).</summary>
    public const int MaxDepth = 4;

    /// <summary>The most directories one scan looks into, so a huge tree costs a bounded time.</summary>
    public const int MaxDirectories = 10_000;

    /// <summary>The most epochs kept of one run; the lines after them are skipped.</summary>
    public const int MaxEpochs = 100_000;

    /// <summary>The longest line read; a longer one is skipped.</summary>
    public const int MaxLineBytes = 1 << 16;

    /// <summary>The most bytes of one metrics file read in one scan; the rest is read by the next ones.</summary>
    public const int MaxReadBytes = 1 << 23;

    /// <summary>The largest config.json read.</summary>
    public const int MaxConfigBytes = 1 << 16;

    /// <summary>The run's file the board recognises it by.</summary>
    public const string MetricsName = "metrics.jsonl";

    /// <summary>The files of a run the board links to and serves.</summary>
    public static readonly string[] PageFiles = ["report.html", "curves.svg", "confusion.svg", "config.json", MetricsName];

    private readonly Dictionary<string, Reader> _readers = new(StringComparer.Ordinal);
    private readonly Lock _scanLock = new();
    private TaskCompletionSource _changed = NewSignal();
    private volatile BoardSnapshot _current = new(0, []);

    /// <summary>Watches the runs under <paramref name="root"/> (a symbolic link to a directory is resolved first).</summary>
    public BoardRuns(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var info = new DirectoryInfo(full);
        if (!info.Exists) throw new DirectoryNotFoundException($"no folder '{root}'.");
        Root = info.LinkTarget is null ? full : Path.TrimEndingDirectorySeparator(info.ResolveLinkTarget(returnFinalTarget: true)!.FullName);
    }

    /// <summary>The folder's full path.</summary>
    public string Root { get; }

    /// <summary>The runs as of the last scan.</summary>
    public BoardSnapshot Current => _current;

    /// <summary>Looks for new, changed and removed runs and publishes a new <see cref="Current"/> when anything changed.</summary>
    /// <returns>Whether anything changed.</returns>
    public bool Scan()
    {
        lock (_scanLock)
        {
            long version = _current.Version + 1;
            var found = FindRunDirectories();
            bool changed = false;
            foreach (var name in _readers.Keys.Where(n => !found.Contains(n)).ToList())
            {
                _readers.Remove(name);
                changed = true;
            }
            foreach (var name in found)
            {
                if (!_readers.TryGetValue(name, out var reader)) _readers[name] = reader = new Reader(name);
                changed |= reader.Refresh(this, version);
            }
            if (!changed) return false;
            _current = new BoardSnapshot(version, [.. _readers.Values.Select(r => r.Run).OrderBy(r => r.Name, StringComparer.Ordinal)]);
            Interlocked.Exchange(ref _changed, NewSignal()).SetResult();
            return true;
        }
    }

    /// <summary>Completes when <see cref="Current"/> is newer than <paramref name="version"/>, or after <paramref name="timeout"/>.</summary>
    public async Task WaitForChangeAsync(long version, TimeSpan timeout, CancellationToken cancellation)
    {
        var signal = _changed.Task;
        if (_current.Version > version) return;
        try
        {
            await signal.WaitAsync(timeout, cancellation).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }

    /// <summary>
    /// The full path of the file <paramref name="name"/> of the run <paramref name="run"/> when the run is one of
    /// <see cref="Current"/>'s, the name one of <see cref="PageFiles"/>, and the file, after its links, lies inside the
    /// folder; otherwise null.
    /// </summary>
    public string? RunFile(string run, string name)
    {
        if (!PageFiles.Contains(name, StringComparer.Ordinal) || !_current.Runs.Any(r => r.Name == run)) return null;
        return Inside(run == "." ? name : run + "/" + name);
    }

    /// <summary>
    /// The full path that <paramref name="relative"/> (parts separated by '/') names under the folder, each symbolic link
    /// on the way replaced by its target, when that is an existing file inside the folder; otherwise null.
    /// </summary>
    internal string? Inside(string relative)
    {
        string path = Root;
        try
        {
            foreach (var part in relative.Split('/'))
            {
                if (part is "" or "." or ".." || part.Contains('\\', StringComparison.Ordinal)) return null;
                path = Path.Combine(path, part);
                var info = new FileInfo(path);
                if (info.LinkTarget is not null)
                {
                    if (info.ResolveLinkTarget(returnFinalTarget: true) is not { } target || !IsUnderRoot(target.FullName)) return null;
                    path = target.FullName;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A cycle of links, or a part that cannot be read.
            return null;
        }
        return File.Exists(path) ? path : null;
    }

    private bool IsUnderRoot(string path) =>
        Path.GetFullPath(path).StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>The names of the run directories: breadth first, at most <see cref="MaxDirectories"/> looked into.</summary>
    private HashSet<string> FindRunDirectories()
    {
        var runs = new HashSet<string>(StringComparer.Ordinal);
        var options = new EnumerationOptions { AttributesToSkip = FileAttributes.Hidden | FileAttributes.System | FileAttributes.ReparsePoint, IgnoreInaccessible = true };
        var queue = new Queue<(string Relative, int Depth)>();
        queue.Enqueue((".", 0));
        int visited = 0;
        while (queue.Count > 0 && visited++ < MaxDirectories)
        {
            var (relative, depth) = queue.Dequeue();
            string directory = relative == "." ? Root : Path.Combine(Root, relative);
            if (Inside(relative == "." ? MetricsName : relative + "/" + MetricsName) is not null) runs.Add(relative);
            if (depth == MaxDepth) continue;
            try
            {
                foreach (var sub in Directory.EnumerateDirectories(directory, "*", options).Order(StringComparer.Ordinal))
                    queue.Enqueue((relative == "." ? Path.GetFileName(sub) : relative + "/" + Path.GetFileName(sub), depth + 1));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A directory removed or made unreadable while it was listed is left out of this scan.
            }
        }
        return runs;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Parses one line: a JSON object whose numbers (and the strings NaN, Infinity and -Infinity that nabla writes for
    /// non-finite values) are its metrics, with a finite <c>epoch</c> among them; anything else is null.
    /// </summary>
    internal static BoardEpoch? ParseLine(ReadOnlyMemory<byte> line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind != JsonValueKind.Object) return null;
            var metrics = new List<KeyValuePair<string, double>>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                double value;
                if (property.Value.ValueKind == JsonValueKind.Number) value = property.Value.GetDouble();
                else if (property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() is "NaN" or "Infinity" or "-Infinity")
                    value = double.Parse(property.Value.GetString()!, CultureInfo.InvariantCulture);
                else continue;
                if (metrics.All(m => m.Key != property.Name)) metrics.Add(new(property.Name, value));
            }
            return metrics.Any(m => m.Key == "epoch" && double.IsFinite(m.Value)) ? new BoardEpoch([.. metrics]) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>One run's files as last read, and where its metrics file was read up to.</summary>
    private sealed class Reader(string name)
    {
        /// <summary>The first bytes of the metrics file, to tell a file that grew from one that was replaced.</summary>
        private byte[] _head = [];
        private long _offset;
        private bool _published;
        private (DateTime Time, long Length) _configStamp = (DateTime.MinValue, -1);

        public BoardRun Run { get; private set; } = new() { Name = name };

        /// <summary>Reads what changed, making a new <see cref="Run"/> of <paramref name="version"/> when anything did.</summary>
        public bool Refresh(BoardRuns runs, long version)
        {
            var run = Run;
            string prefix = name == "." ? "" : name + "/";
            try
            {
                if (runs.Inside(prefix + MetricsName) is { } metrics) run = ReadMetrics(metrics, run);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A file being replaced or removed at this moment is read again by the next scan.
            }
            string[] files = [.. PageFiles.Where(f => runs.Inside(prefix + f) is not null)];
            if (!files.SequenceEqual(run.Files)) run = run with { Files = files };
            if (ReadConfig(runs.Inside(prefix + "config.json")) is { } config) run = run with { Config = config };
            if (ReferenceEquals(run, Run) && _published) return false;
            _published = true;
            Run = run with { Version = version };
            return true;
        }

        private BoardRun ReadMetrics(string path, BoardRun run)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            long length = stream.Length;
            if (length < _offset || (_offset > 0 && !StartsWith(stream, _head)))
            {
                _offset = 0;
                _head = [];
                run = run with { Epochs = [], Keys = [], Skipped = 0, Generation = run.Generation + 1 };
            }
            if (length == _offset) return run;

            var buffer = new byte[(int)Math.Min(length - _offset, MaxReadBytes)];
            stream.Position = _offset;
            stream.ReadExactly(buffer);
            if (_offset == 0) _head = buffer[..Math.Min(buffer.Length, 64)];
            int end = Array.LastIndexOf(buffer, (byte)'\n') + 1;
            // A buffer of one unfinished line waits for the rest of it, unless it is already too long to be read.
            if (end == 0 && buffer.Length < MaxReadBytes && length - _offset <= MaxLineBytes) return run;
            if (end == 0) end = buffer.Length;

            var epochs = new List<BoardEpoch>();
            int skipped = 0;
            for (int start = 0; start < end;)
            {
                int stop = Array.IndexOf(buffer, (byte)'\n', start, end - start);
                if (stop < 0) stop = end;
                var line = buffer.AsMemory(start, stop - start);
                start = stop + 1;
                if (line.Span.Trim(" \t\r"u8).IsEmpty) continue;
                var epoch = line.Length <= MaxLineBytes ? ParseLine(line) : null;
                if (epoch is null || run.Epochs.Length + epochs.Count >= MaxEpochs) skipped++;
                else epochs.Add(epoch);
            }
            _offset += end;
            if (epochs.Count == 0 && skipped == 0) return run;
            var keys = run.Keys.ToList();
            foreach (var key in epochs.SelectMany(e => e.Metrics).Select(m => m.Key))
                if (!keys.Contains(key, StringComparer.Ordinal)) keys.Add(key);
            return run with { Epochs = [.. run.Epochs, .. epochs], Keys = [.. keys], Skipped = run.Skipped + skipped };
        }

        private static bool StartsWith(FileStream stream, byte[] head)
        {
            var start = new byte[head.Length];
            stream.Position = 0;
            stream.ReadExactly(start);
            return start.AsSpan().SequenceEqual(head);
        }

        /// <summary>The settings of the config file at <paramref name="path"/> when it changed since the last read; otherwise null.</summary>
        private KeyValuePair<string, string>[]? ReadConfig(string? path)
        {
            var info = path is null ? null : new FileInfo(path);
            var stamp = info is { Exists: true } ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1);
            if (stamp == _configStamp) return null;
            _configStamp = stamp;
            if (info is null || stamp.Item2 is < 0 or > MaxConfigBytes) return [];
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllBytes(info.FullName));
                if (document.RootElement.ValueKind != JsonValueKind.Object) return [];
                return [.. document.RootElement.EnumerateObject().Where(p => p.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
                    .Select(p => new KeyValuePair<string, string>(p.Name, p.Value.ValueKind switch
                    {
                        JsonValueKind.String => p.Value.GetString()!,
                        JsonValueKind.Null => "none",
                        _ => p.Value.GetRawText(),
                    }))];
            }
            catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
            {
                return [];
            }
        }
    }
}
