namespace Nabla.Training;

/// <summary>The file handling the epoch loggers share.</summary>
internal static class LogFile
{
    /// <summary>Creates the file's directory, and the file itself empty unless <paramref name="append"/> keeps an existing one.</summary>
    public static void Prepare(string path, bool append)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        if (!append || !File.Exists(path)) File.WriteAllText(path, "");
    }
}
