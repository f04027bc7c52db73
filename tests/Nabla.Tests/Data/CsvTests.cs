using Nabla.Data;

namespace Nabla.Tests.Data;

public sealed class CsvTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string text)
    {
        string path = _dir.File(Guid.NewGuid().ToString("N") + ".csv");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void ReadsFeaturesAndIntegerLabels()
    {
        var data = Csv.Load(Write("a,b,label\n1,2.5,0\n-3e2, 4 ,1\n\n0.125,-0,2\n"));
        Assert.Equal([3, 2], data.Features.Shape);
        Assert.Equal(DType.Float32, data.Features.DType);
        Assert.Equal(new float[] { 1, 2.5f, -300, 4, 0.125f, 0 }, data.Features.ToArray<float>());
        Assert.Equal(DType.Int64, data.Labels.DType);
        Assert.Equal(new long[] { 0, 1, 2 }, data.Labels.ToArray<long>());
        Assert.Equal(["a", "b"], data.FeatureNames);
        Assert.Equal("label", data.LabelName);
        Assert.Null(data.ClassNames);
    }

    [Fact]
    public void FindsTheLabelColumnByNameOrPosition()
    {
        string path = Write("y,x1,x2\n1.5,1,2\n2.5,3,4\n");
        var (x, y) = Csv.Load(path, labelColumn: "y");
        Assert.Equal(new float[] { 1, 2, 3, 4 }, x.ToArray<float>());
        Assert.Equal(DType.Float32, y.DType);
        Assert.Equal(new float[] { 1.5f, 2.5f }, y.ToArray<float>());
        Assert.Equal(new float[] { 1.5f, 1, 2.5f, 3 }, Csv.Load(path, labelColumn: -1).Features.ToArray<float>());
        Assert.Equal(new double[] { 1.5, 2.5 }, Csv.Load(path, 0, labelDType: DType.Float64).Labels.ToArray<double>());
        var e = Assert.Throws<ArgumentException>(() => Csv.Load(path, labelColumn: "target"));
        Assert.Contains("no column 'target'; its columns are 'y', 'x1', 'x2'", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Csv.Load(path, labelColumn: 3));
    }

    [Fact]
    public void MapsNamedClassesToIndices()
    {
        var data = Csv.Load(Write("sepal;species\n5.1;setosa\n7.0;\"versicolor\"\n4.9;setosa\n"), "species", separator: ';');
        Assert.Equal(["setosa", "versicolor"], data.ClassNames!);
        Assert.Equal(new long[] { 0, 1, 0 }, data.Labels.ToArray<long>());
        var e = Assert.Throws<InvalidDataException>(() => Csv.Load(Write("x,c\n1,a\n2,b\n"), labelDType: DType.Float32));
        Assert.Contains("line 2, column 1 ('c'): 'a' is not a number", e.Message);
    }

    [Fact]
    public void WithoutAHeaderEveryLineIsData()
    {
        var data = Csv.Load(Write("1,2,0\n3,4,1\n"), hasHeader: false);
        Assert.Equal(["column0", "column1"], data.FeatureNames);
        Assert.Equal(2, data.Labels.Shape[0]);
        Assert.Throws<ArgumentException>(() => Csv.Load(Write("1,2\n"), "a", hasHeader: false));
    }

    [Fact]
    public void DetectsWhetherTheFirstLineIsAHeader()
    {
        // A headerless table keeps its first row; a header is recognised by a feature field that is not a number.
        var bare = Csv.Load(Write("1,2,0\n3,4,1\n5,6,0\n"));
        Assert.Equal(3, bare.Labels.Shape[0]);
        Assert.Equal(["column0", "column1"], bare.FeatureNames);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, bare.Features.ToArray<float>());
        var named = Csv.Load(Write("x,y,label\n1,2,0\n3,4,1\n"));
        Assert.Equal(2, named.Labels.Shape[0]);
        Assert.Equal(["x", "y"], named.FeatureNames);
        // A class name in the label column of the first row does not make it a header.
        var classes = Csv.Load(Write("1.5,2,setosa\n3,4,virginica\n"));
        Assert.Equal(2, classes.Labels.Shape[0]);
        Assert.Equal(["setosa", "virginica"], classes.ClassNames!);
        // Numeric column names need the header said explicitly.
        Assert.Equal(1, Csv.Load(Write("1,2,3\n4,5,0\n"), hasHeader: true).Labels.Shape[0]);
    }

    [Fact]
    public void HandlesQuotedFields()
    {
        var data = Csv.Load(Write("\"a, with comma\",\"say \"\"hi\"\"\"\n\"1\", 0\n"));
        Assert.Equal(["a, with comma"], data.FeatureNames);
        Assert.Equal("say \"hi\"", data.LabelName);
        var e = Assert.Throws<InvalidDataException>(() => Csv.Load(Write("a,b\n\"1,0\n")));
        Assert.Contains("line 2: the quote opened at character 1 is never closed", e.Message);
    }

    [Fact]
    public void RaggedRowsNameTheLine()
    {
        string path = Write("a,b,c\n1,2,3\n4,5\n");
        var e = Assert.Throws<InvalidDataException>(() => Csv.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("line 3 has 2 fields, expected 3 (as in line 1)", e.Message);
    }

    [Fact]
    public void NonNumericAndEmptyValuesNameTheLineAndColumn()
    {
        var e = Assert.Throws<InvalidDataException>(() => Csv.Load(Write("a,b,c\n1,2,3\n\n4,x5,6\n")));
        Assert.Contains("line 4, column 1 ('b'): 'x5' is not a number", e.Message);
        e = Assert.Throws<InvalidDataException>(() => Csv.Load(Write("a,b,c\n1,,3\n")));
        Assert.Contains("line 2, column 1 ('b'): the value is empty", e.Message);
        e = Assert.Throws<InvalidDataException>(() => Csv.Load(Write("a,b\n1,2.5\n"), labelDType: DType.Int64));
        Assert.Contains("line 2, column 1 ('b'): '2.5' is not an integer", e.Message);
        e = Assert.Throws<InvalidDataException>(() => Csv.Load(Write("a,b\n1,\n")));
        Assert.Contains("line 2, column 1 ('b'): the label is empty", e.Message);
    }

    [Fact]
    public void EmptyOrMissingFilesAreReported()
    {
        Assert.Contains("no data rows", Assert.Throws<InvalidDataException>(() => Csv.Load(Write("a,b\n"))).Message);
        Assert.Contains("at least two", Assert.Throws<InvalidDataException>(() => Csv.Load(Write("a;b\n1;2\n"))).Message);
        Assert.Throws<FileNotFoundException>(() => Csv.Load(_dir.File("absent.csv")));
    }
}
