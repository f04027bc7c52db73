using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Nabla.Cli;

/// <summary>
/// The web server of <c>nabla board</c>: Kestrel answering plain request delegates (no reflection, so the trimmed
/// CLI keeps all of it), with a watch loop that rescans the runs every interval. It serves
/// <list type="bullet">
/// <item><c>/</c>: the page (<c>Board/board.html</c>, embedded; its script draws the charts, nothing is fetched from elsewhere),</item>
/// <item><c>/api/runs</c>: every run's summary as JSON (name, epochs, metric names, last epoch, files, settings),</item>
/// <item><c>/api/metrics?run=NAME</c>: one run's summary and all its epochs,</item>
/// <item><c>/api/events</c>: server-sent events, one whenever runs appear, change or go, with the epochs the page lacks,</item>
/// <item><c>/file?run=NAME&amp;name=FILE</c>: a run's <c>report.html</c>, <c>curves.svg</c>, <c>confusion.svg</c>,
/// <c>config.json</c> or <c>metrics.jsonl</c>, read-only; any other path, and any file whose links lead out of the folder, is not found.</item>
/// </list>
/// A non-finite metric is written as the string <c>"NaN"</c>, <c>"Infinity"</c> or <c>"-Infinity"</c>, as in
/// <c>metrics.jsonl</c>. Listening on a loopback address, it answers only requests addressed to localhost, so a web
/// page elsewhere cannot read the runs through a name that resolves to 127.0.0.1.
/// </summary>
internal sealed class BoardServer : IAsyncDisposable
{
    /// <summary>How often the runs are rescanned.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest an event stream stays silent: a comment line then tells the browser the server is still there.</summary>
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    private const string PageSecurity = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:";
    private const string FileSecurity = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

    private static readonly Lazy<byte[]> Page = new(() =>
    {
        using var stream = typeof(BoardServer).Assembly.GetManifestResourceStream("Nabla.Cli.Board.board.html")!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly bool _loopback;
    private Task _watch = Task.CompletedTask;

    private BoardServer(WebApplication app, BoardRuns runs, string title, bool loopback)
    {
        _app = app;
        Runs = runs;
        Title = title;
        _loopback = loopback;
    }

    /// <summary>The runs shown.</summary>
    public BoardRuns Runs { get; }

    /// <summary>The folder as the page names it.</summary>
    public string Title { get; }

    /// <summary>The page's address, with the port Kestrel bound (the free one that port 0 asked for).</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>
    /// Scans <paramref name="folder"/> and starts serving it on <paramref name="address"/>:<paramref name="port"/>
    /// (0: a free port), rescanning every <paramref name="interval"/>; the page calls the folder <paramref name="title"/>.
    /// </summary>
    /// <exception cref="IOException">The address cannot be bound (the port is in use).</exception>
    public static async Task<BoardServer> StartAsync(string folder, string title, IPAddress address, int port, TimeSpan interval)
    {
        var runs = new BoardRuns(folder);
        runs.Scan();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "nabla board" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, port);
        });
        // Open event streams end as soon as the server stops (see EventsAsync); this bounds a request that does not.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        // Ctrl-C and SIGTERM are the command's to handle (and a test's server has none), not the host's.
        builder.Services.AddSingleton<IHostLifetime, CommandLifetime>();
        var app = builder.Build();
        var server = new BoardServer(app, runs, title, IPAddress.IsLoopback(address));
        app.Run(server.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        server.Url = new Uri(app.Urls.First().Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal) + "/");
        server._watch = Task.Run(() => server.WatchAsync(interval));
        return server;
    }

    private async Task WatchAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false)) Runs.Scan();
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        response.Headers.XContentTypeOptions = "nosniff";
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.Headers.Allow = "GET, HEAD";
            await TextAsync(context, StatusCodes.Status405MethodNotAllowed, "only GET and HEAD are answered").ConfigureAwait(false);
            return;
        }
        if (_loopback && !IsLocal(request.Host.Host))
        {
            await TextAsync(context, StatusCodes.Status403Forbidden, "this board answers only requests to localhost").ConfigureAwait(false);
            return;
        }

        switch (request.Path.Value)
        {
            case "/" or "/index.html":
                response.ContentType = "text/html; charset=utf-8";
                response.Headers.ContentSecurityPolicy = PageSecurity;
                response.Headers.CacheControl = "no-store";
                response.ContentLength = Page.Value.Length;
                if (HttpMethods.IsGet(request.Method)) await response.Body.WriteAsync(Page.Value, context.RequestAborted).ConfigureAwait(false);
                break;
            case "/api/runs":
                await JsonAsync(context, StatusCodes.Status200OK, writer =>
                {
                    var snapshot = Runs.Current;
                    writer.WriteStartObject();
                    WriteHeader(writer, snapshot);
                    writer.WriteStartArray("runs");
                    foreach (var run in snapshot.Runs) WriteRun(writer, run, from: -1);
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }).ConfigureAwait(false);
                break;
            case "/api/metrics":
                string name = request.Query["run"].ToString();
                if (Runs.Current.Runs.FirstOrDefault(r => r.Name == name) is { } found)
                    await JsonAsync(context, StatusCodes.Status200OK, writer => WriteRun(writer, found, from: 0)).ConfigureAwait(false);
                else
                    await JsonAsync(context, StatusCodes.Status404NotFound, writer => WriteError(writer, $"no run '{name}'")).ConfigureAwait(false);
                break;
            case "/api/events":
                await EventsAsync(context).ConfigureAwait(false);
                break;
            case "/file":
                await FileAsync(context).ConfigureAwait(false);
                break;
            default:
                await TextAsync(context, StatusCodes.Status404NotFound, "not found").ConfigureAwait(false);
                break;
        }
    }

    /// <summary>Whether a request's host name is this machine's loopback: localhost, 127.x.x.x or [::1].</summary>
    private static bool IsLocal(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>
    /// The event stream: at once every run with all its epochs, then, whenever a scan changes anything, the runs that
    /// changed with the epochs from <c>from</c> on (0 when the file was replaced, so the page starts that run again)
    /// and the names of all runs, so the page drops those that went. Ends when the browser goes or the server stops.
    /// </summary>
    private async Task EventsAsync(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        var token = cancel.Token;
        var sent = new Dictionary<string, BoardRun>(StringComparer.Ordinal);
        long version = -1;
        try
        {
            await response.WriteAsync("retry: 2000\n\n", token).ConfigureAwait(false);
            while (!token.IsCancellationRequested)
            {
                var snapshot = Runs.Current;
                if (snapshot.Version == version)
                {
                    await response.WriteAsync(": still here\n\n", token).ConfigureAwait(false);
                }
                else
                {
                    var message = Json(writer =>
                    {
                        writer.WriteStartObject();
                        WriteHeader(writer, snapshot);
                        writer.WriteStartArray("names");
                        foreach (var run in snapshot.Runs) writer.WriteStringValue(run.Name);
                        writer.WriteEndArray();
                        writer.WriteStartArray("runs");
                        foreach (var run in snapshot.Runs)
                        {
                            if (!sent.TryGetValue(run.Name, out var before)) WriteRun(writer, run, from: 0);
                            else if (!ReferenceEquals(before, run))
                                WriteRun(writer, run, from: before.Generation == run.Generation && before.Epochs.Length <= run.Epochs.Length ? before.Epochs.Length : 0);
                        }
                        writer.WriteEndArray();
                        writer.WriteEndObject();
                    });
                    await response.WriteAsync("data: ", token).ConfigureAwait(false);
                    await response.Body.WriteAsync(message, token).ConfigureAwait(false);
                    await response.WriteAsync("\n\n", token).ConfigureAwait(false);
                    version = snapshot.Version;
                    sent = snapshot.Runs.ToDictionary(r => r.Name, StringComparer.Ordinal);
                }
                await response.Body.FlushAsync(token).ConfigureAwait(false);
                await Runs.WaitForChangeAsync(version, KeepAlive, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The browser closed the page, or the server is stopping.
        }
    }

    private async Task FileAsync(HttpContext context)
    {
        string run = context.Request.Query["run"].ToString(), name = context.Request.Query["name"].ToString();
        if (Runs.RunFile(run, name) is not { } path)
        {
            await TextAsync(context, StatusCodes.Status404NotFound, "not found").ConfigureAwait(false);
            return;
        }
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await TextAsync(context, StatusCodes.Status404NotFound, "not found").ConfigureAwait(false);
            return;
        }
        await using (stream.ConfigureAwait(false))
        {
            var response = context.Response;
            response.ContentType = Path.GetExtension(name) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".svg" => "image/svg+xml",
                ".json" => "application/json; charset=utf-8",
                _ => "text/plain; charset=utf-8",
            };
            response.Headers.ContentSecurityPolicy = FileSecurity;
            response.Headers.CacheControl = "no-store";
            response.ContentLength = stream.Length;
            if (HttpMethods.IsGet(context.Request.Method)) await stream.CopyToAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private void WriteHeader(Utf8JsonWriter writer, BoardSnapshot snapshot)
    {
        writer.WriteString("title", Title);
        writer.WriteNumber("version", snapshot.Version);
    }

    /// <summary>
    /// A run as a JSON object: name, epochs (the count), skipped, keys, files, config, last (the last epoch, or null)
    /// and, when <paramref name="from"/> is 0 or more, <c>from</c> and <c>rows</c>, the epochs from that index on.
    /// </summary>
    internal static void WriteRun(Utf8JsonWriter writer, BoardRun run, int from)
    {
        writer.WriteStartObject();
        writer.WriteString("name", run.Name);
        writer.WriteNumber("epochs", run.Epochs.Length);
        writer.WriteNumber("skipped", run.Skipped);
        writer.WriteStartArray("keys");
        foreach (var key in run.Keys) writer.WriteStringValue(key);
        writer.WriteEndArray();
        writer.WriteStartArray("files");
        foreach (var file in run.Files) writer.WriteStringValue(file);
        writer.WriteEndArray();
        writer.WriteStartObject("config");
        foreach (var (key, value) in run.Config) writer.WriteString(key, value);
        writer.WriteEndObject();
        writer.WritePropertyName("last");
        if (run.Epochs.Length == 0) writer.WriteNullValue();
        else WriteEpoch(writer, run.Epochs[^1]);
        if (from >= 0)
        {
            writer.WriteNumber("from", from);
            writer.WriteStartArray("rows");
            foreach (var epoch in run.Epochs.AsSpan(from)) WriteEpoch(writer, epoch);
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }

    private static void WriteEpoch(Utf8JsonWriter writer, BoardEpoch epoch)
    {
        writer.WriteStartObject();
        foreach (var (key, value) in epoch.Metrics)
        {
            if (double.IsFinite(value)) writer.WriteNumber(key, value);
            else writer.WriteString(key, double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
        writer.WriteEndObject();
    }

    private static void WriteError(Utf8JsonWriter writer, string message)
    {
        writer.WriteStartObject();
        writer.WriteString("error", message);
        writer.WriteEndObject();
    }

    private static ReadOnlyMemory<byte> Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) write(writer);
        return buffer.WrittenMemory;
    }

    private static async Task JsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        var body = Json(write);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentLength = body.Length;
        if (HttpMethods.IsGet(context.Request.Method)) await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task TextAsync(HttpContext context, int status, string text)
    {
        var body = Encoding.UTF8.GetBytes(text + "\n");
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method)) await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Ends the event streams and the watch loop, and stops the server.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _watch.ConfigureAwait(false);
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>A host lifetime that leaves signals alone: the server starts and stops when its owner says.</summary>
    private sealed class CommandLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
