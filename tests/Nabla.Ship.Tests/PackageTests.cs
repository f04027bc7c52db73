using System.Globalization;
using System.IO.Compression;
using System.Xml.Linq;

namespace Nabla.Ship.Tests;

/// <summary>
/// <c>Nabla</c> and <c>Nabla.Kernels</c> pack into NuGet packages that carry their XML docs, the package README and the
/// metadata a gallery shows, and that a console project of someone else's restores from a folder feed, builds and runs.
/// </summary>
[Collection(ShipCollection.Name)]
public sealed class PackageTests(ShipBuild build)
{
    private const string Version = "0.1.0";

    /// <summary>The feed the packages are packed into, once: from the Release build the publish made of the same sources.</summary>
    private string Feed()
    {
        Assert.True(build.Publish.Code == 0, build.Publish.ToString());
        string feed = Path.Combine(build.Scratch, "feed");
        if (!Directory.Exists(feed))
        {
            foreach (var project in new[] { "src/Nabla", "src/Nabla.Kernels" })
            {
                var pack = Processes.Dotnet(build.Root, ShipBuild.BuildLimit, "pack", project, "-c", "Release", "--no-build", "--artifacts-path", build.Artifacts,
                    "-o", feed, "--disable-build-servers", "-clp:Summary");
                Assert.True(pack.Code == 0, pack.ToString());
                Assert.Contains("0 Warning(s)", pack.Output, StringComparison.Ordinal);
            }
        }
        return feed;
    }

    [Theory]
    [InlineData("Nabla")]
    [InlineData("Nabla.Kernels")]
    public void ThePackageHoldsDocsReadmeAndMetadata(string id)
    {
        string path = Path.Combine(Feed(), $"{id}.{Version}.nupkg");
        using var package = ZipFile.OpenRead(path);
        var names = package.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        Assert.Contains($"lib/net10.0/{id}.dll", names);
        Assert.Contains($"lib/net10.0/{id}.xml", names);
        Assert.Contains("PACKAGE.md", names);
        Assert.True(System.IO.File.Exists(Path.Combine(Feed(), $"{id}.{Version}.snupkg")), "the symbol package is missing");

        using (var docs = package.GetEntry($"lib/net10.0/{id}.xml")!.Open())
        {
            var members = XDocument.Load(docs).Descendants("member").ToList();
            Assert.True(members.Count > 100, $"{id}.xml documents {members.Count} members");
            Assert.All(members.Take(20), m => Assert.False(string.IsNullOrWhiteSpace(m.Value)));
        }
        using (var readme = new StreamReader(package.GetEntry("PACKAGE.md")!.Open()))
            Assert.StartsWith("# Nabla", readme.ReadToEnd(), StringComparison.Ordinal);

        XNamespace ns = "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd";
        XElement metadata;
        using (var nuspec = package.GetEntry($"{id}.nuspec")!.Open())
            metadata = XDocument.Load(nuspec).Root!.Element(ns + "metadata")!;
        Assert.Equal(id, metadata.Element(ns + "id")?.Value);
        Assert.Equal(Version, metadata.Element(ns + "version")?.Value);
        Assert.Equal("PACKAGE.md", metadata.Element(ns + "readme")?.Value);
        Assert.Contains("no native dependency", metadata.Element(ns + "description")?.Value, StringComparison.Ordinal);
        Assert.Contains("autograd", metadata.Element(ns + "tags")?.Value, StringComparison.Ordinal);
        // SourceLink: the commit the package was built from.
        var repository = metadata.Element(ns + "repository");
        Assert.NotNull(repository);
        Assert.Equal("git", repository.Attribute("type")?.Value);
        Assert.Matches("^[0-9a-f]{40}$", repository.Attribute("commit")?.Value ?? "");
    }

    [Fact]
    public void AProjectOfOnesOwnRestoresBuildsAndTrainsFromTheFeed()
    {
        string feed = Feed();
        string app = Path.Combine(build.Scratch, "consumer");
        Directory.CreateDirectory(app);
        // The feed beside the machine's own sources (which restore System.Numerics.Tensors), and a package folder of its
        // own, so that the packages just packed are used and not a Nabla 0.1.0 cached by an earlier run.
        System.IO.File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(build.Scratch, "packages")}" />
              </config>
              <packageSources>
                <add key="nabla-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        System.IO.File.WriteAllText(Path.Combine(app, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Nabla" Version="{Version}" />
              </ItemGroup>
            </Project>
            """);
        System.IO.File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using System.Globalization;
            using Nabla;
            using Nabla.Data;
            using Nabla.NN;
            using Nabla.Optim;

            var generator = new Generator(1);
            var model = new Sequential(new Linear(2, 8, generator: generator), new Tanh(), new Linear(8, 1, generator: generator));
            var optimizer = new Adam(model.Parameters(), lr: 0.05);
            var (x, y) = Synthetic.Xor();
            double first = 0, last = 0;
            for (int step = 0; step < 200; step++)
            {
                var loss = Functional.MseLoss(model.Forward(x), y);
                optimizer.ZeroGrad();
                loss.Backward();
                optimizer.Step();
                last = loss.Item();
                if (step == 0) first = last;
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"xor loss {first:F4} -> {last:F4}"));
            """);

        var run = Processes.Dotnet(app, ShipBuild.BuildLimit, "run", "-c", "Release", "--disable-build-servers");
        Assert.True(run.Code == 0, run.ToString());
        var words = run.Output.Trim().Split('\n')[^1].Split(' ');
        Assert.Equal("xor", words[0]);
        double first = double.Parse(words[2], CultureInfo.InvariantCulture), last = double.Parse(words[4], CultureInfo.InvariantCulture);
        Assert.True(last < first / 10, run.ToString());
        // Nabla.Kernels came from the feed too, as Nabla's dependency.
        Assert.True(Directory.Exists(Path.Combine(build.Scratch, "packages", "nabla.kernels", Version)), run.ToString());
    }
}
