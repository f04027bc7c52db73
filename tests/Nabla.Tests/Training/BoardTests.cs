using System.Net;
using System.Text;
using System.Text.Json;
using Nabla.Cli;
using Nabla.Tests.Data;
using static Nabla.Tests.Training.CliRun;

namespace Nabla.Tests.Training;

public sealed class BoardTests : IDisposable
{
    private const string Epoch1 = """{"epoch":1,"train_loss":0.5,"train_accuracy":0.7,"test_loss":0.4,"test_accuracy":0.8,"lr":0.01,"seconds":0.2,"samples_per_second":4000}""";
    private const string Epoch2 = """{"epoch":2,"train_loss":0.3,"train_accuracy":0.85,"test_loss":0.25,"test_accuracy":0.9,"lr":0.01,"seconds":0.2,"samples_per_second":4000}""";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Writes <paramref name="text"/> to the file <paramref name="relative"/> under the folder, making its directories.</summary>
    private string Write(string relative, string text)
    {
        string path = Path.Combine(_dir.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private static Task<BoardServer> Start(string folder) =>
        BoardServer.StartAsync(folder, "runs/", IPAddress.Loopback, 0, TimeSpan.FromMilliseconds(50));

    private static async Task<JsonElement> GetJson(HttpClient client, string path, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await client.GetAsync(path);
        Assert.Equal(expected, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType!.ToString());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public void ListsTheRunsBelowTheFolderButNotHiddenTooDeepOrLinkedOutDirectories()
    {
        Write("mlp/metrics.jsonl", Epoch1 + "\n");
        Write("sweep/lr-0.1/metrics.jsonl", Epoch1 + "\n");
        Write("sweep/notes.txt", "not a run\n");
        Write(".trash/old/metrics.jsonl", Epoch1 + "\n");
        Write("a/b/c/d/metrics.jsonl", Epoch1 + "\n");
        Write("a/b/c/d/e/metrics.jsonl", Epoch1 + "\n");
        using var outside = new TempDirectory();
        File.WriteAllText(outside.File("metrics.jsonl"), Epoch1 + "\n");
        Directory.CreateSymbolicLink(Path.Combine(_dir.Path, "linked"), outside.Path);
        Directory.CreateDirectory(Path.Combine(_dir.Path, "leak"));
        File.CreateSymbolicLink(Path.Combine(_dir.Path, "leak", "metrics.jsonl"), outside.File("metrics.jsonl"));
        Directory.CreateDirectory(Path.Combine(_dir.Path, "alias"));
        File.CreateSymbolicLink(Path.Combine(_dir.Path, "alias", "metrics.jsonl"), Path.Combine(_dir.Path, "mlp", "metrics.jsonl"));

        var runs = new BoardRuns(_dir.Path);
        Assert.True(runs.Scan());
        Assert.Equal(["a/b/c/d", "alias", "mlp", "sweep/lr-0.1"], runs.Current.Runs.Select(r => r.Name));
        Assert.All(runs.Current.Runs, r => Assert.Single(r.Epochs));
        Assert.False(runs.Scan());

        Write("new/metrics.jsonl", "");
        Directory.Delete(Path.Combine(_dir.Path, "mlp"), recursive: true);
        Assert.True(runs.Scan());
        Assert.Equal(["a/b/c/d", "new", "sweep/lr-0.1"], runs.Current.Runs.Select(r => r.Name));
        Assert.Empty(runs.Current.Runs.Single(r => r.Name == "new").Epochs);
    }

    [Fact]
    public void AFolderThatIsItselfARunIsNamedDot()
    {
        Write("metrics.jsonl", Epoch1 + "\n");
        var runs = new BoardRuns(_dir.Path);
        runs.Scan();
        Assert.Equal(".", Assert.Single(runs.Current.Runs).Name);
        Assert.NotNull(runs.RunFile(".", "metrics.jsonl"));
    }

    [Fact]
    public void SkipsGarbageLinesKeepsNonFiniteValuesAndWaitsForAHalfWrittenLastLine()
    {
        string path = Write("run/metrics.jsonl", string.Join("\n",
            Epoch1, "not json", "[1,2,3]", """{"train_loss":0.3}""", """{"epoch":"two"}""", "", "{\"epoch\":2,\"train_loss\":\"NaN\",\"lr\":\"Infinity\",\"note\":\"x\",\"nested\":{\"a\":1}}",
            "{\"epoch\":3," + new string(' ', BoardRuns.MaxLineBytes) + "\"train_loss\":1}", "\0\u00ff\u0001garbage") + "\n{\"epoch\":4,\"train_lo");
        var runs = new BoardRuns(_dir.Path);
        runs.Scan();
        var run = Assert.Single(runs.Current.Runs);
        Assert.Equal([1.0, 2.0], run.Epochs.Select(e => e.Metrics[0].Value));
        Assert.Equal(6, run.Skipped);
        var second = run.Epochs[1].Metrics.ToDictionary(m => m.Key, m => m.Value);
        Assert.True(double.IsNaN(second["train_loss"]));
        Assert.Equal(double.PositiveInfinity, second["lr"]);
        Assert.Equal(["epoch", "train_loss", "lr"], second.Keys);
        Assert.Equal(["epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "lr", "seconds", "samples_per_second"], run.Keys);

        // The last line counts once it is finished.
        Assert.False(runs.Scan());
        File.AppendAllText(path, "ss\":0.1}\n");
        Assert.True(runs.Scan());
        Assert.Equal([1.0, 2.0, 4.0], runs.Current.Runs[0].Epochs.Select(e => e.Metrics[0].Value));
        Assert.Equal(run.Generation, runs.Current.Runs[0].Generation);
    }

    [Fact]
    public void AReplacedMetricsFileIsReadAnewAndAGrownOneOnlyFromWhereItWasRead()
    {
        string path = Write("run/metrics.jsonl", Epoch1 + "\n" + Epoch2 + "\n");
        var runs = new BoardRuns(_dir.Path);
        runs.Scan();
        int generation = runs.Current.Runs[0].Generation;

        // nabla train rewrites the whole file each epoch, the earlier lines unchanged.
        File.WriteAllText(path + ".tmp", Epoch1 + "\n" + Epoch2 + "\n" + Epoch2.Replace("\"epoch\":2", "\"epoch\":3", StringComparison.Ordinal) + "\n");
        File.Move(path + ".tmp", path, overwrite: true);
        Assert.True(runs.Scan());
        Assert.Equal(generation, runs.Current.Runs[0].Generation);
        Assert.Equal(3, runs.Current.Runs[0].Epochs.Length);

        // A run started again with --overwrite: shorter, and different from the start.
        File.WriteAllText(path, Epoch2 + "\n");
        Assert.True(runs.Scan());
        Assert.Equal(generation + 1, runs.Current.Runs[0].Generation);
        Assert.Equal([2.0], runs.Current.Runs[0].Epochs.Select(e => e.Metrics[0].Value));
    }

    [Fact]
    public async Task TheJsonEndpointsListTheRunsAndTheirEpochs()
    {
        Write("mlp/metrics.jsonl", Epoch1 + "\n" + """{"epoch":2,"train_loss":"NaN","lr":0.01}""" + "\n");
        Write("mlp/config.json", """{"data":"moons","model":"mlp","epochs":2,"clip_grad_norm":null}""");
        Write("mlp/report.html", "<html></html>");
        Write("cnn/metrics.jsonl", Epoch1 + "\n");
        await using var server = await Start(_dir.Path);
        using var client = new HttpClient { BaseAddress = server.Url };

        var list = await GetJson(client, "api/runs");
        Assert.Equal("runs/", list.GetProperty("title").GetString());
        var runs = list.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["cnn", "mlp"], runs.Select(r => r.GetProperty("name").GetString()));
        var mlp = runs[1];
        Assert.Equal(2, mlp.GetProperty("epochs").GetInt32());
        Assert.Equal("NaN", mlp.GetProperty("last").GetProperty("train_loss").GetString());
        Assert.Equal(["config.json", "metrics.jsonl", "report.html"], mlp.GetProperty("files").EnumerateArray().Select(f => f.GetString()!).Order());
        Assert.Equal("moons", mlp.GetProperty("config").GetProperty("data").GetString());
        Assert.Equal("none", mlp.GetProperty("config").GetProperty("clip_grad_norm").GetString());
        Assert.False(mlp.TryGetProperty("rows", out _));

        var metrics = await GetJson(client, "api/metrics?run=mlp");
        var rows = metrics.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal([1, 2], rows.Select(r => r.GetProperty("epoch").GetInt32()));
        Assert.Equal(0.4, rows[0].GetProperty("test_loss").GetDouble());
        var missing = await GetJson(client, "api/metrics?run=rnn", HttpStatusCode.NotFound);
        Assert.Equal("no run 'rnn'", missing.GetProperty("error").GetString());

        using var page = await client.GetAsync("");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        string html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<title>Nabla board</title>", html);
        Assert.Contains("new EventSource('api/events')", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ServesARunsPagesButNothingOutsideTheFolder()
    {
        Write("mlp/metrics.jsonl", Epoch1 + "\n");
        Write("mlp/report.html", "<html>report</html>");
        Write("mlp/checkpoint.safetensors", "weights");
        Write("secret.txt", "secret");
        using var outside = new TempDirectory();
        File.WriteAllText(outside.File("passwords"), "secret");
        File.CreateSymbolicLink(Path.Combine(_dir.Path, "mlp", "curves.svg"), outside.File("passwords"));
        File.CreateSymbolicLink(Path.Combine(_dir.Path, "mlp", "confusion.svg"), Path.Combine(_dir.Path, "mlp", "report.html"));
        await using var server = await Start(_dir.Path);
        using var client = new HttpClient { BaseAddress = server.Url };

        using (var report = await client.GetAsync("file?run=mlp&name=report.html"))
        {
            Assert.Equal(HttpStatusCode.OK, report.StatusCode);
            Assert.Equal("text/html", report.Content.Headers.ContentType!.MediaType);
            Assert.Equal("<html>report</html>", await report.Content.ReadAsStringAsync());
        }
        using (var inside = await client.GetAsync("file?run=mlp&name=confusion.svg"))
            Assert.Equal(HttpStatusCode.OK, inside.StatusCode);

        string escaped = Uri.EscapeDataString(outside.File("passwords"));
        foreach (var path in new[]
        {
            "file?run=mlp&name=curves.svg", "file?run=mlp&name=checkpoint.safetensors", "file?run=mlp&name=../secret.txt",
            "file?run=..&name=secret.txt", "file?run=mlp/..&name=secret.txt", $"file?run={escaped}&name=report.html",
            $"file?run=mlp&name={escaped}", "file?run=%2Fetc&name=passwd", "file?run=mlp", "file", "mlp/report.html", "secret.txt",
            "../secret.txt", "%2e%2e/secret.txt", "api/metrics/../../secret.txt",
        })
        {
            using var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {response.StatusCode}");
            Assert.DoesNotContain("secret", await response.Content.ReadAsStringAsync());
        }

        using var post = await client.PostAsync("api/runs", new StringContent(""));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "api/runs");
        rebound.Headers.Host = "attacker.example";
        using var refused = await client.SendAsync(rebound);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    /// <summary>
    /// The next <c>data:</c> event of a server-sent event stream, as JSON, that <paramref name="until"/> accepts (a scan
    /// may see a file being written half-way, and send it in two events).
    /// </summary>
    private static async Task<JsonElement> NextEvent(StreamReader reader, CancellationToken cancellation, Func<JsonElement, bool>? until = null)
    {
        while (await reader.ReadLineAsync(cancellation) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            var message = JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone();
            if (until is null || until(message)) return message;
        }
        throw new EndOfStreamException("the event stream ended");
    }

    private static bool HasRun(JsonElement message, string name, int epochs) =>
        message.GetProperty("runs").EnumerateArray().Any(r => r.GetProperty("name").GetString() == name && r.GetProperty("epochs").GetInt32() == epochs);

    [Fact]
    public async Task TheEventStreamDeliversANewEpochANewRunAndARemovedOne()
    {
        string metrics = Write("mlp/metrics.jsonl", Epoch1 + "\n");
        await using var server = await Start(_dir.Path);
        using var client = new HttpClient { BaseAddress = server.Url };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await client.GetAsync("api/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token), Encoding.UTF8);

        var first = await NextEvent(reader, timeout.Token);
        var run = Assert.Single(first.GetProperty("runs").EnumerateArray().ToList());
        Assert.Equal(0, run.GetProperty("from").GetInt32());
        Assert.Equal([1], run.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("epoch").GetInt32()));

        File.AppendAllText(metrics, Epoch2 + "\n");
        var second = await NextEvent(reader, timeout.Token, m => HasRun(m, "mlp", 2));
        run = Assert.Single(second.GetProperty("runs").EnumerateArray().ToList());
        Assert.Equal(2, run.GetProperty("epochs").GetInt32());
        Assert.Equal(1, run.GetProperty("from").GetInt32());
        Assert.Equal(0.25, Assert.Single(run.GetProperty("rows").EnumerateArray().ToList()).GetProperty("test_loss").GetDouble());

        Write("cnn/metrics.jsonl", Epoch1 + "\n");
        var third = await NextEvent(reader, timeout.Token, m => HasRun(m, "cnn", 1));
        Assert.Equal(["cnn", "mlp"], third.GetProperty("names").EnumerateArray().Select(n => n.GetString()));
        Assert.Equal("cnn", Assert.Single(third.GetProperty("runs").EnumerateArray().ToList()).GetProperty("name").GetString());

        Directory.Delete(Path.Combine(_dir.Path, "mlp"), recursive: true);
        var fourth = await NextEvent(reader, timeout.Token);
        Assert.Equal(["cnn"], fourth.GetProperty("names").EnumerateArray().Select(n => n.GetString()));
        Assert.Empty(fourth.GetProperty("runs").EnumerateArray());
    }

    [Fact]
    public void TheHelpHasExamplesAndNamesTheFolderArgument()
    {
        var (code, output, _) = Run("board", "--help");
        Assert.Equal(0, code);
        Assert.Contains("Examples:\n    nabla board runs/\n", output, StringComparison.Ordinal);
        Assert.Contains("nabla board <folder> [options]", output, StringComparison.Ordinal);
        Assert.Contains("[default: 6006]", output, StringComparison.Ordinal);
        Assert.Contains("[default: 127.0.0.1]", output, StringComparison.Ordinal);
    }

    [Fact]
    public void BadInputIsOneLineAndExitCode2()
    {
        foreach (var (args, message) in new (string[], string)[]
        {
            (["board", Path.Combine(_dir.Path, "missing")], "no folder"),
            (["board", _dir.Path, "--port", "70000"], "--port must be from 0 to 65535, got 70000."),
            (["board", _dir.Path, "--host", "example"], "--host must be an IP address or localhost, got 'example'."),
            (["board"], "Required argument missing"),
        })
        {
            var (code, output, error) = Run(args);
            Assert.Equal(NablaCli.UsageError, code);
            Assert.Equal("", output);
            Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(message, error);
        }
    }

    [Fact]
    public async Task TheCommandPrintsItsAddressAndStopsWhenInterrupted()
    {
        Write("mlp/metrics.jsonl", Epoch1 + "\n");
        var output = new StringWriter();
        var error = new StringWriter();
        using var interrupt = new CancellationTokenSource();
        var host = CliHost.Embedded with { Interrupt = interrupt.Token };
        var board = Task.Run(() => NablaCli.Run(["board", _dir.Path, "--port", "0"], TextWriter.Synchronized(output), TextWriter.Synchronized(error), host));
        string line = "";
        for (int wait = 0; wait < 300 && !line.Contains('\n', StringComparison.Ordinal) && !board.IsCompleted; wait++)
        {
            await Task.Delay(100);
            line = output.ToString();
        }
        Assert.Matches($@"^board: http://127\.0\.0\.1:\d+/ \(1 run under {System.Text.RegularExpressions.Regex.Escape(_dir.Path)}\); Ctrl-C stops\n$", line);

        // A second board on the same port is refused in one line.
        string port = new Uri(line.Split(' ')[1]).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var busy = Run("board", _dir.Path, "--port", port);
        Assert.Equal(NablaCli.UsageError, busy.Code);
        Assert.Equal($"nabla board: port {port} on 127.0.0.1 is in use; pass another --port, or --port 0 for a free one.\n", busy.Error);

        using (var client = new HttpClient())
            Assert.Contains("\"mlp\"", await client.GetStringAsync(new Uri(new Uri(line.Split(' ')[1]), "api/runs")));
        await interrupt.CancelAsync();
        Assert.Equal(0, await board.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("", error.ToString());
    }
}
