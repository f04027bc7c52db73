using System.Globalization;

namespace Nabla.NN;

/// <summary>Formats values the way Python prints them, so module printouts read like PyTorch's.</summary>
internal static class PyRepr
{
    /// <summary>Python's repr of a float: <c>0.1</c>, <c>1.0</c>, <c>1e-05</c>.</summary>
    public static string Float(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        string s = value.ToString("R", CultureInfo.InvariantCulture);
        int e = s.IndexOf('E');
        if (e >= 0) return s[..e] + "e" + s[(e + 1)..];
        return s.Contains('.') ? s : s + ".0";
    }

    /// <summary>Python's <c>True</c> or <c>False</c>.</summary>
    public static string Bool(bool value) => value ? "True" : "False";
}
