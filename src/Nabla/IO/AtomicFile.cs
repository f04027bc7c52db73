using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Nabla.IO;

/// <summary>
/// Writes a file so that readers see either the old content or the complete new content, never a
/// half-written file: the data goes to a temporary file in the same directory, is flushed to disk,
/// is renamed over the target, and the directory is flushed so that the rename itself survives a crash.
/// A symbolic link at the target is replaced by the new file, never followed: the file it points to is untouched.
/// </summary>
internal static class AtomicFile
{
    /// <summary>The part of a temporary file's name between the target's name and its random suffix.</summary>
    public const string TempMarker = ".tmp-";

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>; on any failure the temporary file is removed and the target is untouched.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="write">Writes the content to the stream it is given.</param>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string target = Path.GetFullPath(path);
        // The temporary file must sit in the target's directory: a rename is atomic only within one file system.
        string temp = target + TempMarker + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            // rename(2) replaces the directory entry, so a symbolic link at the target is replaced rather than followed.
            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            throw;
        }
        SyncDirectory(Path.GetDirectoryName(target)!);
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (without a byte order mark) to <paramref name="path"/> atomically.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="text">The whole content.</param>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);
        Write(path, stream => stream.Write(bytes));
    }

    /// <summary>
    /// Flushes <paramref name="directory"/>'s entries to disk, so that a file renamed into it is there after a power
    /// loss. On Linux and macOS this is fsync(2) of the directory; Windows has no such call (NTFS journals renames),
    /// and a file system that cannot flush a directory is left as it is.
    /// </summary>
    /// <param name="directory">The directory to flush.</param>
    /// <exception cref="IOException">The file system reported an error while flushing.</exception>
    public static void SyncDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (OperatingSystem.IsLinux()) Sync(directory, NativeMethods.OpenLinux, NativeMethods.FsyncLinux, NativeMethods.CloseLinux);
        else if (OperatingSystem.IsMacOS()) Sync(directory, NativeMethods.OpenMac, NativeMethods.FsyncMac, NativeMethods.CloseMac);
    }

    /// <summary>EINVAL on Linux and macOS: the file system does not support flushing a directory.</summary>
    private const int InvalidArgument = 22;

    private static void Sync(string directory, Func<string, int, int> open, Func<int, int> fsync, Func<int, int> close)
    {
        // O_RDONLY is 0 on both systems; a directory can be opened read-only and flushed.
        int fd = open(directory, 0);
        // A directory that cannot be opened (no read permission) cannot be flushed by this process; the rename stands.
        if (fd < 0) return;
        try
        {
            if (fsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != InvalidArgument) throw new IOException($"AtomicFile: flushing the directory '{directory}' failed (errno {errno}).");
            }
        }
        finally
        {
            close(fd);
        }
    }
}

/// <summary>The C library calls <see cref="AtomicFile.SyncDirectory"/> needs, for each system's library name.</summary>
internal static partial class NativeMethods
{
    [LibraryImport("libc.so.6", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int OpenLinux(string path, int flags);

    [LibraryImport("libc.so.6", EntryPoint = "fsync", SetLastError = true)]
    internal static partial int FsyncLinux(int fd);

    [LibraryImport("libc.so.6", EntryPoint = "close", SetLastError = true)]
    internal static partial int CloseLinux(int fd);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int OpenMac(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    internal static partial int FsyncMac(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int CloseMac(int fd);
}
