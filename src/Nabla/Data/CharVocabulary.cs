using System.Text;
using System.Text.Json;

namespace Nabla.Data;

/// <summary>
/// The vocabulary of a character-level language model: the distinct characters (Unicode scalar values, so a
/// character outside the Basic Multilingual Plane is one token) of a text, sorted by code point as Python's
/// <c>sorted(set(text))</c> sorts them; token i is the i-th character. It travels with a model as one metadata string
/// (<see cref="ToJson"/>, a JSON array of code points, stored under <see cref="MetadataKey"/>), which
/// <see cref="FromJson"/> parses defensively.
/// </summary>
public sealed class CharVocabulary
{
    /// <summary>The metadata key under which a model file stores its vocabulary.</summary>
    public const string MetadataKey = "char_vocabulary";

    /// <summary>The longest JSON text <see cref="FromJson"/> accepts: every Unicode scalar value written out fits.</summary>
    private const int MaxJsonLength = 16 * 1024 * 1024;

    private readonly int[] _codePoints;
    private readonly Dictionary<int, long> _index;

    private CharVocabulary(int[] sortedCodePoints)
    {
        _codePoints = sortedCodePoints;
        _index = new Dictionary<int, long>(sortedCodePoints.Length);
        for (int i = 0; i < sortedCodePoints.Length; i++) _index[sortedCodePoints[i]] = i;
    }

    /// <summary>The vocabulary of <paramref name="text"/>: its distinct characters, sorted by code point.</summary>
    /// <param name="text">A non-empty, well-formed UTF-16 text.</param>
    public static CharVocabulary FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) throw new ArgumentException("CharVocabulary: the text is empty, so it has no characters.", nameof(text));
        var distinct = new HashSet<int>();
        foreach (var rune in Runes(text, "CharVocabulary")) distinct.Add(rune.Value);
        var sorted = distinct.ToArray();
        Array.Sort(sorted);
        return new CharVocabulary(sorted);
    }

    /// <summary>The number of tokens (distinct characters).</summary>
    public int Count => _codePoints.Length;

    /// <summary>The character of token <paramref name="token"/>, as a string (two UTF-16 units outside the BMP).</summary>
    /// <param name="token">A token in [0, <see cref="Count"/>).</param>
    public string this[long token] => CharOf(token, "CharVocabulary").ToString();

    /// <summary>Whether <paramref name="c"/> is in the vocabulary.</summary>
    /// <param name="c">A character.</param>
    public bool Contains(Rune c) => _index.ContainsKey(c.Value);

    /// <summary>The token ids of <paramref name="text"/>, one per character.</summary>
    /// <param name="text">A text made of the vocabulary's characters.</param>
    public long[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<long>(text.Length);
        int position = 0;
        foreach (var rune in Runes(text, "CharVocabulary.Encode"))
        {
            if (!_index.TryGetValue(rune.Value, out long id))
            {
                throw new ArgumentException(
                    $"CharVocabulary.Encode: the character {Describe(rune)} at position {position} is not in the vocabulary of {Count} characters.", nameof(text));
            }
            ids.Add(id);
            position += rune.Utf16SequenceLength;
        }
        return [.. ids];
    }

    /// <summary>The text of <paramref name="tokens"/>.</summary>
    /// <param name="tokens">Token ids in [0, <see cref="Count"/>).</param>
    public string Decode(ReadOnlySpan<long> tokens)
    {
        var sb = new StringBuilder(tokens.Length);
        for (int i = 0; i < tokens.Length; i++) sb.Append(CharOf(tokens[i], $"CharVocabulary.Decode (position {i})").ToString());
        return sb.ToString();
    }

    /// <summary>The text of a 1-D int64 tensor of token ids.</summary>
    /// <param name="tokens">A 1-D int64 tensor of ids in [0, <see cref="Count"/>).</param>
    public string Decode(Tensor tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.DType != DType.Int64 || tokens.Rank != 1)
            throw new ArgumentException($"CharVocabulary.Decode: expected a 1-D int64 tensor of token ids, got {ShapeUtil.Describe(tokens)}.", nameof(tokens));
        return Decode(tokens.ToArray<long>());
    }

    /// <summary>The vocabulary as a JSON array of code points, e.g. <c>[10,32,97]</c>, for a model file's metadata.</summary>
    public string ToJson() => JsonSerializer.Serialize(_codePoints, IO.NablaJson.Default.Int32Array);

    /// <summary>
    /// Parses a vocabulary written by <see cref="ToJson"/>. Anything else (not an array, a non-integer, a value that is
    /// not a Unicode scalar value, an unsorted or repeated entry, an empty array, an oversized text) is an
    /// <see cref="InvalidDataException"/> that says what is wrong.
    /// </summary>
    /// <param name="json">The JSON array of code points.</param>
    public static CharVocabulary FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        const string Op = "CharVocabulary.FromJson";
        if (json.Length > MaxJsonLength)
            throw new InvalidDataException($"{Op}: the text has {json.Length} characters, more than the {MaxJsonLength} a vocabulary can need.");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 2 });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{Op}: not valid JSON ({e.Message}).", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{Op}: expected a JSON array of code points, got a JSON {root.ValueKind.ToString().ToLowerInvariant()}.");
            int count = root.GetArrayLength();
            if (count == 0) throw new InvalidDataException($"{Op}: the array is empty; a vocabulary has at least one character.");
            var codePoints = new int[count];
            int i = 0;
            foreach (var element in root.EnumerateArray())
            {
                if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out int value))
                    throw new InvalidDataException($"{Op}: entry {i} is {element.GetRawText()}, not an integer code point.");
                if (!Rune.IsValid(value))
                    throw new InvalidDataException($"{Op}: entry {i} is {value}, which is not a Unicode scalar value (0 to 0x10FFFF, surrogates excluded).");
                if (i > 0 && value <= codePoints[i - 1])
                    throw new InvalidDataException($"{Op}: entry {i} ({value}) does not follow entry {i - 1} ({codePoints[i - 1]}); the code points must be distinct and increasing.");
                codePoints[i++] = value;
            }
            return new CharVocabulary(codePoints);
        }
    }

    private Rune CharOf(long token, string op)
    {
        if ((ulong)token >= (ulong)_codePoints.Length)
            throw new ArgumentOutOfRangeException(nameof(token), $"{op}: token {token} is out of range for a vocabulary of {Count} characters.");
        return new Rune(_codePoints[token]);
    }

    private static IEnumerable<Rune> Runes(string text, string op)
    {
        int position = 0;
        while (position < text.Length)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(position), out var rune, out int used) != System.Buffers.OperationStatus.Done)
                throw new ArgumentException($"{op}: the text has an unpaired surrogate (U+{(int)text[position]:X4}) at position {position}.", nameof(text));
            yield return rune;
            position += used;
        }
    }

    private static string Describe(Rune rune) =>
        Rune.IsControl(rune) || Rune.IsWhiteSpace(rune) ? $"U+{rune.Value:X4}" : $"'{rune}' (U+{rune.Value:X4})";
}
