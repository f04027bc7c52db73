namespace Nabla.Cli;

/// <summary>Bad input to a command (an unknown data set, a model that does not fit the data), reported as one line and exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
