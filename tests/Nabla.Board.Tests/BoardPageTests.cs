using System.Net;
using Microsoft.Playwright;
using Nabla.Cli;
using Xunit.Abstractions;

namespace Nabla.Board.Tests;

/// <summary>A fact that is skipped, with the reason, when Debian's Chromium is not installed.</summary>
internal sealed class RequiresChromiumFactAttribute : FactAttribute
{
    public const string Chromium = "/usr/bin/chromium";

    public RequiresChromiumFactAttribute()
    {
        if (!File.Exists(Chromium)) Skip = $"Chromium is not installed at {Chromium} (apt-get install chromium).";
    }
}

/// <summary>The board's page in a real headless Chromium: what a person sees, and that it follows a training run live.</summary>
public sealed class BoardPageTests(ITestOutputHelper output) : IDisposable
{
    private const string Epoch1 = """{"epoch":1,"train_loss":0.5369,"train_accuracy":0.7163,"test_loss":0.3413,"test_accuracy":0.84,"lr":0.01,"seconds":0.41,"samples_per_second":1962.3}""";
    private const string Epoch2 = """{"epoch":2,"train_loss":0.2825,"train_accuracy":0.8613,"test_loss":0.2445,"test_accuracy":0.905,"lr":0.01,"seconds":0.28,"samples_per_second":2863.2}""";

    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-board-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [RequiresChromiumFact]
    public async Task ThePageShowsARunAndItsNextEpochWithoutAReload()
    {
        string run = Path.Combine(_folder, "moons-mlp");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "config.json"), """{"data":"moons","model":"mlp","epochs":2}""");
        File.WriteAllText(Path.Combine(run, "report.html"), "<html><body>report</body></html>");
        string metrics = Path.Combine(run, "metrics.jsonl");
        File.WriteAllText(metrics, Epoch1 + "\n");
        await using var server = await BoardServer.StartAsync(_folder, "runs/", IPAddress.Loopback, 0, TimeSpan.FromMilliseconds(100));

        using var playwright = await Playwright.CreateAsync();
        // Chromium's sandbox needs user namespaces, which a container running as root seldom has.
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = RequiresChromiumFactAttribute.Chromium, Headless = true, Args = ["--no-sandbox"] });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 960 } });
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Console += (_, m) =>
        {
            if (m.Type == "error") errors.Add(m.Text);
        };
        await page.GotoAsync(server.Url.ToString());

        var rows = page.Locator("#runs tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.Locator("td.name")).ToHaveTextAsync("moons-mlp");
        await Assertions.Expect(rows.Locator("td").Nth(2)).ToHaveTextAsync("mlp on moons");
        await Assertions.Expect(rows.Locator("td").Nth(3)).ToHaveTextAsync("1");
        await Assertions.Expect(rows.Locator("a")).ToHaveAttributeAsync("href", "file?run=moons-mlp&name=report.html");
        await Assertions.Expect(page.Locator("#metric")).ToHaveValueAsync("test_loss");
        await Assertions.Expect(page.Locator("#chart circle")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#legend")).ToContainTextAsync("moons-mlp");
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("live");
        Screenshot(await page.ScreenshotAsync(new() { FullPage = true }), "board-epoch1.png");

        // A value kept in the page's window is lost by a reload, so finding it again proves the page was updated in place.
        await page.EvaluateAsync("window.nablaBoardTest = 'kept'");
        File.AppendAllText(metrics, Epoch2 + "\n");
        await Assertions.Expect(rows.Locator("td").Nth(3)).ToHaveTextAsync("2");
        await Assertions.Expect(page.Locator("#chart circle")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#chart path.curve")).ToHaveAttributeAsync("d", new System.Text.RegularExpressions.Regex("^M[0-9.]+,[0-9.]+L[0-9.]+,[0-9.]+$"));
        Assert.Equal("kept", await page.EvaluateAsync<string>("window.nablaBoardTest"));

        // Another metric, picked in the selector, redraws the chart with its name on the y axis.
        await page.SelectOptionAsync("#metric", "test_accuracy");
        await Assertions.Expect(page.Locator("#chart text.title").Last).ToHaveTextAsync("test accuracy");
        await page.SelectOptionAsync("#metric", "test_loss");
        Screenshot(await page.ScreenshotAsync(new() { FullPage = true }), "board-epoch2.png");
        Assert.Empty(errors);
    }

    private void Screenshot(byte[] png, string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, name);
        File.WriteAllBytes(path, png);
        output.WriteLine($"screenshot: {path}");
    }
}
