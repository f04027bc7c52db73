namespace Nabla.Ship.Tests;

/// <summary>
/// One trimmed, self-contained publish of <c>nabla</c> (src/Nabla.Cli) for linux-x64, made once for every test of the
/// collection, into a temporary folder: its own artifacts path keeps the build's bin and obj folders out of the source
/// tree, so it never touches the outputs a concurrent <c>dotnet build</c> or <c>dotnet test</c> of the solution writes or
/// loads. The libraries it builds in Release are what the packages are packed from.
/// </summary>
public sealed class ShipBuild : IDisposable
{
    /// <summary>How long one publish, pack or consumer build may take on a slow single core.</summary>
    public static readonly TimeSpan BuildLimit = TimeSpan.FromMinutes(8);

    public ShipBuild()
    {
        Root = FindRoot(AppContext.BaseDirectory);
        Scratch = Directory.CreateTempSubdirectory("nabla-ship-").FullName;
        Artifacts = Path.Combine(Scratch, "artifacts");
        Published = Path.Combine(Scratch, "nabla");
        Publish = Processes.Dotnet(Root, BuildLimit, "publish", "src/Nabla.Cli", "-c", "Release", "-r", "linux-x64", "--self-contained", "-p:PublishTrimmed=true",
            "--artifacts-path", Artifacts, "-o", Published, "--disable-build-servers", "-clp:Summary");
    }

    /// <summary>The repository: the nearest folder above the test assembly that holds Nabla.slnx.</summary>
    public string Root { get; }

    /// <summary>The temporary folder everything is built in, removed at the end.</summary>
    public string Scratch { get; }

    /// <summary>The artifacts path (bin, obj) of the publish and the packs.</summary>
    public string Artifacts { get; }

    /// <summary>The published folder.</summary>
    public string Published { get; }

    /// <summary>The published executable.</summary>
    public string Nabla => Path.Combine(Published, "Nabla.Cli");

    /// <summary>What <c>dotnet publish</c> printed.</summary>
    public ProcessResult Publish { get; }

    private static string FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Nabla.slnx"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException($"no folder above {start} holds Nabla.slnx");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Scratch, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder left behind is the system's to clean.
        }
    }
}

/// <summary>The tests of what ships: they share one publish and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class ShipCollection : ICollectionFixture<ShipBuild>
{
    public const string Name = "ship";
}
