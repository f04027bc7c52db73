using System.Globalization;
using System.Text;
using Nabla.IO;

namespace Nabla.Data;

/// <summary>
/// Reads numeric tables from delimited text files into a feature matrix and a label vector. Fields may be
/// quoted ("…", with "" for a quote); blank lines are skipped. A ragged row, an empty or non-numeric feature,
/// or an unterminated quote is an <see cref="InvalidDataException"/> naming the file, the line and the column. So is
/// a value that is not finite as float32 (NaN, infinity, or a number such as 1e300 that overflows to infinity) unless
/// the caller passes <c>allowNonFinite: true</c>. Messages quote file content escaped and cut short.
/// </summary>
public static class Csv
{
    /// <summary>Reads <paramref name="path"/>, taking the column at <paramref name="labelColumn"/> as the labels and every other column as a feature.</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="labelColumn">The position of the label column; negative counts from the end (−1, the default, is the last column).</param>
    /// <param name="hasHeader">
    /// Whether the first non-blank line holds the column names. When null (the default) it is a header exactly when
    /// one of its feature fields is not a number, so a table without a header keeps its first row.
    /// </param>
    /// <param name="separator">The field separator.</param>
    /// <param name="labelDType">
    /// The dtype of the labels. By default: int64 when every label is an integer, float32 when some are not,
    /// and int64 indices into <see cref="CsvData.ClassNames"/> when some label is not a number.
    /// </param>
    /// <param name="allowNonFinite">Accept NaN, infinite and overflowing numbers (read as NaN or ±infinity) instead of rejecting them.</param>
    public static CsvData Load(string path, int labelColumn = -1, bool? hasHeader = null, char separator = ',', DType? labelDType = null, bool allowNonFinite = false) =>
        Read(path, hasHeader, separator, labelDType, allowNonFinite, (columns, _) =>
        {
            int index = labelColumn < 0 ? labelColumn + columns : labelColumn;
            if (index < 0 || index >= columns)
                throw new ArgumentOutOfRangeException(nameof(labelColumn), $"Csv.Load: label column {labelColumn} is out of range for {path}, which has {columns} columns.");
            return index;
        });

    /// <summary>Reads <paramref name="path"/>, whose header names the label column <paramref name="labelColumn"/>; every other column is a feature.</summary>
    /// <param name="path">The file to read; it must have a header.</param>
    /// <param name="labelColumn">The header name of the label column.</param>
    /// <param name="hasHeader">Must be true: the label column is found by name in the header.</param>
    /// <param name="separator">The field separator.</param>
    /// <param name="labelDType">
    /// The dtype of the labels. By default: int64 when every label is an integer, float32 when some are not,
    /// and int64 indices into <see cref="CsvData.ClassNames"/> when some label is not a number.
    /// </param>
    /// <param name="allowNonFinite">Accept NaN, infinite and overflowing numbers (read as NaN or ±infinity) instead of rejecting them.</param>
    public static CsvData Load(string path, string labelColumn, bool hasHeader = true, char separator = ',', DType? labelDType = null, bool allowNonFinite = false)
    {
        ArgumentNullException.ThrowIfNull(labelColumn);
        if (!hasHeader)
            throw new ArgumentException($"Csv.Load: the label column '{labelColumn}' is given by name, which needs a header (hasHeader: true).", nameof(hasHeader));
        return Read(path, hasHeader, separator, labelDType, allowNonFinite, (_, header) =>
        {
            int index = header!.IndexOf(labelColumn);
            if (index < 0)
                throw new ArgumentException($"Csv.Load: {path} has no column {Quoted.Of(labelColumn)}; its columns are {string.Join(", ", header.Take(20).Select(h => Quoted.Of(h)))}{(header.Count > 20 ? ", …" : "")}.", nameof(labelColumn));
            return index;
        });
    }

    private static CsvData Read(string path, bool? hasHeader, char separator, DType? labelDType, bool allowNonFinite, Func<int, List<string>?, int> findLabel)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (separator is '"' or '\r' or '\n')
            throw new ArgumentException($"Csv.Load: the separator cannot be {(separator == '"' ? "a quote" : "a line break")}.", nameof(separator));
        if (!File.Exists(path)) throw new FileNotFoundException($"Csv.Load: the file {path} does not exist.", path);
        List<string>? header = null;
        int columns = -1, label = -1, firstLine = 0;
        var features = new List<float>();
        var labels = new List<(string Text, int Line)>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var fields = Split(line, separator, path, lineNumber);
            if (columns < 0)
            {
                columns = fields.Count;
                firstLine = lineNumber;
                if (columns < 2)
                    throw new InvalidDataException($"Csv.Load: {path} line {lineNumber} has {columns} column; expected at least two (features and a label). Is the separator '{separator}' right?");
                bool isHeader = hasHeader ?? IsHeader(fields, findLabel(columns, null));
                if (isHeader) header = fields;
                label = findLabel(columns, header);
                if (isHeader) continue;
            }
            if (fields.Count != columns)
                throw new InvalidDataException($"Csv.Load: {path} line {lineNumber} has {fields.Count} fields, expected {columns} (as in line {firstLine}).");
            for (int c = 0; c < columns; c++)
            {
                if (c == label) labels.Add((fields[c], lineNumber));
                else features.Add(ParseFeature(fields[c], path, lineNumber, c, header, allowNonFinite));
            }
        }
        if (labels.Count == 0) throw new InvalidDataException($"Csv.Load: {path} has no data rows.");
        var names = header ?? Enumerable.Range(0, columns).Select(c => $"column{c}").ToList();
        var (labelTensor, classNames) = ParseLabels(labels, labelDType, path, label, names[label], allowNonFinite);
        return new CsvData(
            Tensor.FromArray(features.ToArray(), labels.Count, columns - 1),
            labelTensor,
            names.Where((_, c) => c != label).ToArray(),
            names[label],
            classNames);
    }

    /// <summary>A first line is a header when one of its feature fields is not a number (the label may be a class name).</summary>
    private static bool IsHeader(List<string> fields, int label)
    {
        for (int c = 0; c < fields.Count; c++)
        {
            if (c != label && !double.TryParse(fields[c].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _)) return true;
        }
        return false;
    }

    private static float ParseFeature(string text, string path, int line, int column, List<string>? header, bool allowNonFinite)
    {
        bool parsed = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value);
        if (parsed && (allowNonFinite || float.IsFinite((float)value))) return (float)value;
        string name = header is null ? "" : $" ({Quoted.Of(header[column])})";
        string problem = text.Length == 0 ? "the value is empty"
            : !parsed ? $"{Quoted.Of(text)} is not a number"
            : NotFinite(text, value, "float32");
        throw new InvalidDataException($"Csv.Load: {path} line {line}, column {column}{name}: {problem}.");
    }

    private static string NotFinite(string text, double value, string dtype) =>
        double.IsFinite(value)
            ? $"{Quoted.Of(text)} overflows {dtype} to infinity (pass allowNonFinite: true to accept it)"
            : $"{Quoted.Of(text)} is not finite (pass allowNonFinite: true to accept NaN and infinities)";

    private static (Tensor Labels, IReadOnlyList<string>? ClassNames) ParseLabels(
        List<(string Text, int Line)> labels, DType? dtype, string path, int column, string name, bool allowNonFinite)
    {
        var values = new double[labels.Count];
        int firstNonNumeric = -1;
        for (int i = 0; i < labels.Count; i++)
        {
            if (!double.TryParse(labels[i].Text, NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) && firstNonNumeric < 0)
                firstNonNumeric = i;
        }
        string At(int i) => $"Csv.Load: {path} line {labels[i].Line}, column {column} ({Quoted.Of(name)})";
        if (firstNonNumeric >= 0)
        {
            var (text, _) = labels[firstNonNumeric];
            if (text.Length == 0) throw new InvalidDataException($"{At(firstNonNumeric)}: the label is empty.");
            if (dtype is { } d && d.IsFloatingPoint())
                throw new InvalidDataException($"{At(firstNonNumeric)}: {Quoted.Of(text)} is not a number, but the labels were asked for as {d.Name()}.");
            var classes = labels.Select(l => l.Text).Distinct().Order(StringComparer.Ordinal).ToArray();
            for (int i = 0; i < labels.Count; i++)
                if (labels[i].Text.Length == 0) throw new InvalidDataException($"{At(i)}: the label is empty.");
            var index = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => (long)p.i, StringComparer.Ordinal);
            return (Tensor.FromArray(labels.Select(l => index[l.Text]).ToArray()), classes);
        }
        int firstFractional = Array.FindIndex(values, v => v != Math.Floor(v) || Math.Abs(v) > 1L << 53);
        var result = dtype ?? (firstFractional < 0 ? DType.Int64 : DType.Float32);
        if (!allowNonFinite && result.IsFloatingPoint())
        {
            bool single = result == DType.Float32;
            int bad = Array.FindIndex(values, v => single ? !float.IsFinite((float)v) : !double.IsFinite(v));
            if (bad >= 0) throw new InvalidDataException($"{At(bad)}: {NotFinite(labels[bad].Text, values[bad], result.Name())}.");
        }
        if (result == DType.Int64)
        {
            if (firstFractional >= 0)
                throw new InvalidDataException($"{At(firstFractional)}: {Quoted.Of(labels[firstFractional].Text)} is not an integer, but the labels were asked for as int64.");
            return (Tensor.FromArray(Array.ConvertAll(values, v => (long)v)), null);
        }
        return (Tensor.FromArray(values).To(result), null);
    }

    /// <summary>Splits one line into trimmed fields, honouring double quotes.</summary>
    private static List<string> Split(string line, char separator, string path, int lineNumber)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        int i = 0;
        while (true)
        {
            while (i < line.Length && line[i] != separator && char.IsWhiteSpace(line[i])) i++;
            field.Clear();
            if (i < line.Length && line[i] == '"')
            {
                int open = i++;
                while (true)
                {
                    if (i >= line.Length)
                        throw new InvalidDataException($"Csv.Load: {path} line {lineNumber}: the quote opened at character {open + 1} is never closed (fields cannot span lines).");
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    field.Append(line[i++]);
                }
                while (i < line.Length && line[i] != separator && char.IsWhiteSpace(line[i])) i++;
                if (i < line.Length && line[i] != separator)
                    throw new InvalidDataException($"Csv.Load: {path} line {lineNumber}: unexpected {Quoted.Of(line[i].ToString())} at character {i + 1}, after a closing quote.");
                fields.Add(field.ToString());
            }
            else
            {
                int start = i;
                while (i < line.Length && line[i] != separator) i++;
                fields.Add(line[start..i].Trim());
            }
            if (i >= line.Length) return fields;
            i++;
        }
    }
}
