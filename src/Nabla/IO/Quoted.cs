using System.Globalization;
using System.Text;

namespace Nabla.IO;

/// <summary>
/// File content as it may appear in an error message: quoted, cut short, and with control characters, lone
/// surrogates and other invisible characters escaped, so that a hostile file cannot flood or drive a terminal.
/// </summary>
internal static class Quoted
{
    /// <summary>The characters of file content a message shows before it cuts the rest off.</summary>
    public const int MaxLength = 64;

    /// <summary><paramref name="text"/> in single quotes, escaped and cut to <paramref name="max"/> characters.</summary>
    public static string Of(string? text, int max = MaxLength)
    {
        if (text is null) return "null";
        string shown = Escape(text, max, out bool cut);
        return cut ? $"'{shown}…' ({text.Length.ToString(CultureInfo.InvariantCulture)} characters)" : $"'{shown}'";
    }

    /// <summary><paramref name="text"/> without quotes (for JSON fragments such as a shape), escaped and cut to <paramref name="max"/> characters.</summary>
    public static string Bare(string text, int max = MaxLength)
    {
        string shown = Escape(text, max, out bool cut);
        return cut ? shown + "…" : shown;
    }

    private static string Escape(string text, int max, out bool cut)
    {
        var sb = new StringBuilder(Math.Min(text.Length, max) + 8);
        int shown = 0;
        cut = false;
        for (int i = 0; i < text.Length; i++)
        {
            if (shown >= max)
            {
                cut = true;
                break;
            }
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb.Append(c).Append(text[++i]);
            }
            else if (c == '\\' || c == '\'')
            {
                sb.Append('\\').Append(c);
            }
            else if (char.IsControl(c) || char.IsSurrogate(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.OtherNotAssigned)
            {
                sb.Append(c switch
                {
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '\t' => "\\t",
                    _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                });
            }
            else
            {
                sb.Append(c);
            }
            shown++;
        }
        return sb.ToString();
    }
}
