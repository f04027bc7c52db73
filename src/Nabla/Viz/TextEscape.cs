using System.Buffers;
using System.Text;

namespace Nabla.Viz;

/// <summary>Escaping text for an output format: every character that format reserves is replaced, the rest kept.</summary>
internal static class TextEscape
{
    /// <summary>
    /// <paramref name="text"/> with each character of <paramref name="reserved"/> replaced by <paramref name="replacement"/>
    /// of it; text without any is returned as it is.
    /// </summary>
    public static string Replace(string text, SearchValues<char> reserved, Func<char, string> replacement)
    {
        int first = text.AsSpan().IndexOfAny(reserved);
        if (first < 0) return text;
        var sb = new StringBuilder(text.Length + 16).Append(text, 0, first);
        foreach (char c in text.AsSpan(first))
        {
            if (reserved.Contains(c)) sb.Append(replacement(c));
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
