using System.Globalization;
using Nabla.Training;
using Spectre.Console;

namespace Nabla.Cli;

/// <summary>
/// The progress of <c>nabla train</c> between its epoch lines: a live Spectre.Console bar per epoch on a terminal
/// (epoch, batch k/n, the epoch's loss and accuracy so far, samples/s, elapsed and time left), plain <see cref="BatchLog.Describe"/> lines
/// at most every <see cref="CliHost.PlainInterval"/> when the output is redirected, or nothing.
/// </summary>
internal sealed class TrainProgress : Callback
{
    private readonly ProgressMode _mode;
    private readonly TextWriter _output;
    private readonly TimeSpan _interval;
    private long _lastPlain, _lastLive;
    private ProgressContext? _context;
    private ProgressTask? _task;
    private int _taskEpoch;

    public TrainProgress(ProgressMode mode, TextWriter output, TimeSpan interval)
    {
        _mode = mode;
        _output = output;
        _interval = interval;
        _lastPlain = Environment.TickCount64;
    }

    /// <summary>Where the trainer writes its epoch lines: above the live bar, or the output itself.</summary>
    public TextWriter EpochOutput => _mode == ProgressMode.Live ? new LineWriter(line => AnsiConsole.Console.WriteLine(line)) : _output;

    /// <summary>Runs <paramref name="fit"/> with the live bar on screen (in Live mode), or just runs it.</summary>
    public void Run(Action fit)
    {
        if (_mode != ProgressMode.Live)
        {
            fit();
            return;
        }
        var progress = AnsiConsole.Progress();
        // Four redraws a second keep the bar live at a cost the training loop does not notice on one core.
        progress.RefreshRate = TimeSpan.FromMilliseconds(250);
        progress
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 16 }, new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                _context = context;
                try
                {
                    fit();
                }
                finally
                {
                    _task?.StopTask();
                    _context = null;
                }
            });
    }

    /// <inheritdoc/>
    public override void OnBatchEnd(Trainer trainer, BatchLog batch)
    {
        if (_mode == ProgressMode.Plain)
        {
            long now = Environment.TickCount64;
            if (now - _lastPlain < _interval.TotalMilliseconds || batch.Batch == batch.BatchCount) return;
            _lastPlain = now;
            _output.WriteLine("  " + batch.Describe());
        }
        else if (_mode == ProgressMode.Live && _context is { } context)
        {
            if (_task is null || _taskEpoch != batch.Epoch)
            {
                _task?.StopTask();
                _task = context.AddTask(Markup.Escape(Describe(batch)), maxValue: Math.Max(1, batch.BatchCount));
                _taskEpoch = batch.Epoch;
            }
            // The bar is redrawn four times a second; its words are made no more often.
            long now = Environment.TickCount64;
            if (now - _lastLive < 250 && batch.Batch != batch.BatchCount) return;
            _lastLive = now;
            _task.Description = Markup.Escape(Describe(batch));
            _task.Value = batch.Batch;
        }
    }

    /// <summary>The bar's words, short enough for an 80-column terminal beside the bar and the times: <c>epoch 3/40  12/25  loss 0.3012  acc 0.8750  1,234/s</c>.</summary>
    private static string Describe(BatchLog batch)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"epoch {batch.Epoch}/{batch.LastEpoch}  {batch.Batch}/{batch.BatchCount}  loss {batch.EpochLoss:F4}");
        if (batch.EpochAccuracy is { } accuracy) text += string.Create(CultureInfo.InvariantCulture, $"  acc {accuracy:F4}");
        if (batch.EpochSeconds > 0) text += string.Create(CultureInfo.InvariantCulture, $"  {batch.EpochExamples / batch.EpochSeconds:N0}/s");
        return text;
    }

    /// <summary>A writer that hands each complete line to a delegate.</summary>
    private sealed class LineWriter(Action<string> writeLine) : TextWriter
    {
        private readonly System.Text.StringBuilder _line = new();

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
            if (value == '\n')
            {
                writeLine(_line.ToString().TrimEnd('\r'));
                _line.Clear();
            }
            else
            {
                _line.Append(value);
            }
        }
    }
}
