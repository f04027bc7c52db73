using System.Text;
using Nabla.Data;
using Nabla.IO;
using Nabla.NN;

namespace Nabla.Tests.Data;

/// <summary>Runs only where Debian's base-files put the GPL's text in /usr/share/common-licenses.</summary>
public sealed class Gpl3InstalledFactAttribute : FactAttribute
{
    public const string Path = "/usr/share/common-licenses/GPL-3";

    public Gpl3InstalledFactAttribute()
    {
        if (!File.Exists(Path)) Skip = $"{Path} is not present (Debian's base-files installs it).";
    }
}

public sealed class TextSequencesTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void TheVocabularyIsTheSortedDistinctCharactersAndRoundTrips()
    {
        const string Text = "hello, wörld 🙂\n";
        var vocabulary = CharVocabulary.FromText(Text);
        // Python: sorted(set("hello, wörld 🙂\n")); the emoji is one character although it takes two UTF-16 units.
        Assert.Equal(12, vocabulary.Count);
        Assert.Equal(["\n", " ", ",", "d", "e", "h", "l", "o", "r", "w", "ö", "🙂"], Enumerable.Range(0, 12).Select(i => vocabulary[i]));
        var ids = vocabulary.Encode(Text);
        Assert.Equal(15, ids.Length);
        Assert.Equal([5L, 4, 6, 6, 7], ids[..5]);
        Assert.Equal(Text, vocabulary.Decode(ids));
        Assert.Equal(Text, vocabulary.Decode(Tensor.FromArray(ids)));
    }

    [Fact]
    public void TheVocabularyTravelsInAModelFilesMetadata()
    {
        var vocabulary = CharVocabulary.FromText("the quick brown fox\t🦊");
        var path = _dir.File("model.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = Tensor.Zeros(2) }, new Dictionary<string, string> { [CharVocabulary.MetadataKey] = vocabulary.ToJson() });
        var loaded = CharVocabulary.FromJson(SafeTensors.Load(path).Metadata[CharVocabulary.MetadataKey]);
        Assert.Equal(vocabulary.Count, loaded.Count);
        Assert.Equal(vocabulary.ToJson(), loaded.ToJson());
        Assert.Equal("fox🦊", loaded.Decode(vocabulary.Encode("fox🦊")));
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("{\"a\": 1}", "expected a JSON array of code points, got a JSON object")]
    [InlineData("[]", "the array is empty")]
    [InlineData("[97, \"b\"]", "entry 1 is \"b\", not an integer code point")]
    [InlineData("[97, 98.5]", "entry 1 is 98.5, not an integer code point")]
    [InlineData("[97, 55296]", "entry 1 is 55296, which is not a Unicode scalar value")]
    [InlineData("[97, 1114112]", "entry 1 is 1114112, which is not a Unicode scalar value")]
    [InlineData("[-1]", "entry 0 is -1, which is not a Unicode scalar value")]
    [InlineData("[98, 97]", "entry 1 (97) does not follow entry 0 (98)")]
    [InlineData("[97, 97]", "entry 1 (97) does not follow entry 0 (97)")]
    [InlineData("[[97]]", "entry 0 is [97], not an integer code point")]
    [InlineData("[97, 99999999999]", "entry 1 is 99999999999, not an integer code point")]
    public void AMalformedVocabularyIsRejectedWithItsReason(string json, string reason)
    {
        var ex = Assert.Throws<InvalidDataException>(() => CharVocabulary.FromJson(json));
        Assert.StartsWith("CharVocabulary.FromJson: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EncodingNamesAnUnknownCharacterAndDecodingAnOutOfRangeToken()
    {
        var vocabulary = CharVocabulary.FromText("abc");
        Assert.Contains("the character 'z' (U+007A) at position 2 is not in the vocabulary of 3 characters",
            Assert.Throws<ArgumentException>(() => vocabulary.Encode("abz")).Message, StringComparison.Ordinal);
        Assert.Contains("token 3 is out of range for a vocabulary of 3 characters",
            Assert.Throws<ArgumentOutOfRangeException>(() => vocabulary.Decode([0L, 3])).Message, StringComparison.Ordinal);
        Assert.Contains("unpaired surrogate", Assert.Throws<ArgumentException>(() => CharVocabulary.FromText("a\uD800b")).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => CharVocabulary.FromText(""));
    }

    [Fact]
    public void ItemsAreWindowsAndTheirTargetsShiftedByOne()
    {
        // "abcdefghij" encodes as 0..9, so every token is its own position.
        var data = new TextSequences("abcdefghij", sequenceLength: 3);
        Assert.Equal(3, data.Count); // windows at 0, 3, 6; the one at 9 would need a target past the end
        var (input, target) = data[2];
        Assert.Equal(DType.Int64, input.DType);
        Assert.Equal([6L, 7, 8], input.ToArray<long>());
        Assert.Equal([7L, 8, 9], target.ToArray<long>());

        var overlapping = new TextSequences("abcdefghij", sequenceLength: 4, stride: 2);
        Assert.Equal(3, overlapping.Count); // starts 0, 2, 4 (4 + 4 + 1 = 9 ≤ 10); 6 would need 11 tokens
        Assert.Equal([4L, 5, 6, 7], overlapping[2].Input.ToArray<long>());
        Assert.Equal(1, new TextSequences("abcd", sequenceLength: 3).Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => data[3]);
    }

    [Fact]
    public void ADataLoaderYieldsInt64BatchesThatCrossEntropyTakesAsNCT()
    {
        var data = new TextSequences(string.Concat(Enumerable.Repeat("the cat sat on the mat. ", 20)), sequenceLength: 8, stride: 5);
        var loader = new DataLoader(data, batchSize: 4, shuffle: true, generator: new Generator(1));
        int batches = 0;
        foreach (var (input, target) in loader)
        {
            int n = input.Shape[0];
            Assert.Equal([n, 8], input.Shape.ToArray());
            Assert.Equal([n, 8], target.Shape.ToArray());
            Assert.Equal(DType.Int64, target.DType);
            var x = input.ToArray<long>();
            var y = target.ToArray<long>();
            for (int b = 0; b < n; b++)
                for (int t = 0; t < 7; t++) Assert.Equal(x[b * 8 + t + 1], y[b * 8 + t]);

            // Logits (N, T, C) as (N, C, T) give the loss of the (N·T, C) rows, as PyTorch defines it.
            var logits = Tensor.Randn([n, 8, data.Vocabulary.Count], DType.Float64, new Generator((ulong)batches));
            var perStep = Functional.CrossEntropy(logits.Permute(0, 2, 1), target);
            var flat = Functional.CrossEntropy(logits.Reshape(n * 8, -1), target.Reshape(n * 8));
            Assert.Equal(flat.Item(), perStep.Item(), 12);
            batches++;
        }
        Assert.Equal((data.Count + 3) / 4, batches);
    }

    [Fact]
    public void ItemsAndBatchesAgree()
    {
        var data = new TextSequences("a man, a plan, a canal: panama", sequenceLength: 5, stride: 3);
        var (input, target) = data.GetBatch([4, 0, 7]);
        int row = 0;
        foreach (int i in new[] { 4, 0, 7 })
        {
            Assert.Equal(data[i].Input.ToArray<long>(), input.Narrow(0, row, 1).Reshape(5).ToArray<long>());
            Assert.Equal(data[i].Target.ToArray<long>(), target.Narrow(0, row, 1).Reshape(5).ToArray<long>());
            row++;
        }
    }

    [Fact]
    public void BadArgumentsAndFilesAreClearErrors()
    {
        Assert.Contains("need at least 11", Assert.Throws<ArgumentException>(() => new TextSequences("abcdefghij", 10)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TextSequences("abcdefghij", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TextSequences("abcdefghij", 3, stride: 0));
        Assert.Throws<ArgumentException>(() => new TextSequences("abcdefghij", 3, vocabulary: CharVocabulary.FromText("abc")));

        var empty = _dir.File("empty.txt");
        File.WriteAllText(empty, "");
        Assert.Contains("is empty", Assert.Throws<InvalidDataException>(() => TextSequences.FromFile(empty, 4)).Message, StringComparison.Ordinal);
        var shortFile = _dir.File("short.txt");
        File.WriteAllText(shortFile, "abc");
        Assert.Contains("has 3 characters", Assert.Throws<InvalidDataException>(() => TextSequences.FromFile(shortFile, 3)).Message, StringComparison.Ordinal);
        Assert.Contains("more than the 2 allowed", Assert.Throws<InvalidDataException>(() => TextSequences.FromFile(shortFile, 1, maxBytes: 2)).Message, StringComparison.Ordinal);
        var binary = _dir.File("binary.txt");
        File.WriteAllBytes(binary, [0x61, 0xFF, 0x62, 0x63, 0x64]);
        Assert.Contains("not valid UTF-8", Assert.Throws<InvalidDataException>(() => TextSequences.FromFile(binary, 2)).Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => TextSequences.FromFile(_dir.File("missing.txt"), 2));
        var utf8 = _dir.File("utf8.txt");
        File.WriteAllText(utf8, "ünïcödé text", new UTF8Encoding(false));
        Assert.Equal("ünïcödé text", TextSequences.FromFile(utf8, 3).Vocabulary.Decode(TextSequences.FromFile(utf8, 3).Tokens));
    }

    [Gpl3InstalledFact]
    public void TheGplReadsAsOneLongTokenStream()
    {
        var data = TextSequences.FromFile(Gpl3InstalledFactAttribute.Path, sequenceLength: 64);
        var text = File.ReadAllText(Gpl3InstalledFactAttribute.Path);
        Assert.Equal(text.Length, data.Tokens.Length);
        Assert.Equal((text.Length - 65) / 64 + 1, data.Count);
        Assert.Equal(text.Distinct().Count(), data.Vocabulary.Count);
        Assert.Equal(text[64..128], data.Vocabulary.Decode(data[1].Input));
    }
}
