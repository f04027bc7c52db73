using Nabla.Data;

namespace Nabla.Tests.Data;

public sealed class CsvNonFiniteTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Save(string text)
    {
        string path = _dir.File("data.csv");
        File.WriteAllText(path, text);
        return path;
    }

    [Theory]
    [InlineData("NaN", "'NaN' is not finite")]
    [InlineData("Infinity", "'Infinity' is not finite")]
    [InlineData("-Infinity", "'-Infinity' is not finite")]
    [InlineData("1e300", "'1e300' overflows float32 to infinity")]
    [InlineData("-3.5e39", "'-3.5e39' overflows float32 to infinity")]
    public void NonFiniteFeaturesAreRejectedNamingLineAndColumn(string value, string problem)
    {
        string path = Save($"x1,x2,y\n1,2,0\n3,{value},1\n");
        var e = Assert.Throws<InvalidDataException>(() => Csv.Load(path));
        Assert.Contains($"{path} line 3, column 1 ('x2'): {problem}", e.Message);
        Assert.Contains("allowNonFinite", e.Message);
        var allowed = Csv.Load(path, allowNonFinite: true).Features.ToArray<float>();
        Assert.False(float.IsFinite(allowed[3]));
    }

    [Fact]
    public void NonFiniteFloatLabelsAreRejectedUnlessAllowed()
    {
        string path = Save("x,y\n1,0.5\n2,NaN\n");
        var e = Assert.Throws<InvalidDataException>(() => Csv.Load(path));
        Assert.Contains("line 3, column 1 ('y'): 'NaN' is not finite", e.Message);
        Assert.True(float.IsNaN(Csv.Load(path, allowNonFinite: true).Labels.ToArray<float>()[1]));
        path = Save("x,y\n1,0.5\n2,1e300\n");
        Assert.Contains("overflows float32", Assert.Throws<InvalidDataException>(() => Csv.Load(path)).Message);
        Assert.Equal(1e300, Csv.Load(path, labelDType: DType.Float64).Labels.ToArray<double>()[1]);
        path = Save("x,y\n1,0\n2,Infinity\n");
        Assert.Contains("not an integer", Assert.Throws<InvalidDataException>(() => Csv.Load(path, labelDType: DType.Int64)).Message);
    }

    [Fact]
    public void FileContentInMessagesIsEscapedAndCutShort()
    {
        string path = Save("x,y\n\u001b[2Jabc" + new string('z', 500) + ",1\n");
        var e = Assert.Throws<InvalidDataException>(() => Csv.Load(path));
        Assert.DoesNotContain('\u001b', e.Message);
        Assert.Contains("\\u001b[2Jabc", e.Message);
        Assert.InRange(e.Message.Length, 0, path.Length + 200);
    }
}
