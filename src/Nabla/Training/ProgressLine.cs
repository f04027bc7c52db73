namespace Nabla.Training;

/// <summary>
/// The trainer's live progress: one line on a terminal, redrawn in place (carriage return) at most ten times a second
/// with <see cref="BatchLog.Describe"/>, and wiped before anything else is written.
/// </summary>
internal sealed class ProgressLine(TextWriter console)
{
    private const long RedrawTicks = TimeSpan.TicksPerSecond / 10;

    private long _lastDrawn = long.MinValue;
    private int _width;

    /// <summary>Draws <paramref name="batch"/>'s line over the previous one, unless one was drawn less than 0.1 s ago (the epoch's last batch is always drawn).</summary>
    public void Update(BatchLog batch)
    {
        long now = Environment.TickCount64 * TimeSpan.TicksPerMillisecond;
        if (now - _lastDrawn < RedrawTicks && batch.Batch != batch.BatchCount) return;
        _lastDrawn = now;
        string text = batch.Describe();
        int width = WindowWidth();
        if (width > 1 && text.Length >= width) text = text[..(width - 1)];
        console.Write("\r" + text + new string(' ', Math.Max(0, _width - text.Length)));
        console.Flush();
        _width = text.Length;
    }

    /// <summary>Wipes the line, leaving the cursor at its start.</summary>
    public void Clear()
    {
        if (_width == 0) return;
        console.Write("\r" + new string(' ', _width) + "\r");
        console.Flush();
        _width = 0;
    }

    private static int WindowWidth()
    {
        try
        {
            return Console.WindowWidth;
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException)
        {
            return 0;
        }
    }
}
