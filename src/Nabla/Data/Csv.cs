using System.Globalization;
using System.Text;

namespace Nabla.Data;

/// <summary>
/// Reads numeric tables from delimited text files into a feature matrix and a label vector. Fields may be
/// quoted ("…", with "" for a quote); blank lines are skipped. A ragged row, an empty or non-numeric feature,
/// or an unterminated quote is an <see cref="InvalidDataException"/> naming the file, the line and the column.
/// </summary>
public static class Csv
{
    /// <summary>Reads <paramref name="path"/>, taking the column at <paramref name="labelColumn"/> as the labels and every other column as a feature.</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="labelColumn">The position of the label column; negative counts from the end (−1, the default, is the last column).</param>
    /// <param name="hasHeader">The first non-blank line holds the column names.</param>
    /// <param name="separator">The field separator.</param>
    /// <param name="labelDType">
    /// The dtype of the labels. By default: int64 when every label is an integer, float32 when some are not,
    /// and int64 indices into <see cref="CsvData.ClassNames"/> when some label is not a number.
    /// </param>
    public static CsvData Load(string path, int labelColumn = -1, bool hasHeader = true, char separator = ',', DType? labelDType = null) =>
        Read(path, hasHeader, separator, labelDType, (columns, _) =>
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
    public static CsvData Load(string path, string labelColumn, bool hasHeader = true, char separator = ',', DType? labelDType = null)
    {
        ArgumentNullException.ThrowIfNull(labelColumn);
        if (!hasHeader)
            throw new ArgumentException($"Csv.Load: the label column '{labelColumn}' is given by name, which needs a header (hasHeader: true).", nameof(hasHeader));
        return Read(path, hasHeader, separator, labelDType, (_, header) =>
        {
            int index = header!.IndexOf(labelColumn);
            if (index < 0)
                throw new ArgumentException($"Csv.Load: {path} has no column '{labelColumn}'; its columns are {string.Join(", ", header.Select(h => $"'{h}'"))}.", nameof(labelColumn));
            return index;
        });
    }

    private static CsvData Read(string path, bool hasHeader, char separator, DType? labelDType, Func<int, List<string>?, int> findLabel)
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
                if (hasHeader) header = fields;
                label = findLabel(columns, header);
                if (hasHeader) continue;
            }
            if (fields.Count != columns)
                throw new InvalidDataException($"Csv.Load: {path} line {lineNumber} has {fields.Count} fields, expected {columns} (as in line {firstLine}).");
            for (int c = 0; c < columns; c++)
            {
                if (c == label) labels.Add((fields[c], lineNumber));
                else features.Add(ParseFeature(fields[c], path, lineNumber, c, header));
            }
        }
        if (labels.Count == 0) throw new InvalidDataException($"Csv.Load: {path} has no data rows.");
        var names = header ?? Enumerable.Range(0, columns).Select(c => $"column{c}").ToList();
        var (labelTensor, classNames) = ParseLabels(labels, labelDType, path, label, names[label]);
        return new CsvData(
            Tensor.FromArray(features.ToArray(), labels.Count, columns - 1),
            labelTensor,
            names.Where((_, c) => c != label).ToArray(),
            names[label],
            classNames);
    }

    private static float ParseFeature(string text, string path, int line, int column, List<string>? header)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)) return (float)value;
        string name = header is null ? "" : $" ('{header[column]}')";
        string problem = text.Length == 0 ? "the value is empty" : $"'{text}' is not a number";
        throw new InvalidDataException($"Csv.Load: {path} line {line}, column {column}{name}: {problem}.");
    }

    private static (Tensor Labels, IReadOnlyList<string>? ClassNames) ParseLabels(List<(string Text, int Line)> labels, DType? dtype, string path, int column, string name)
    {
        var values = new double[labels.Count];
        int firstNonNumeric = -1;
        for (int i = 0; i < labels.Count; i++)
        {
            if (!double.TryParse(labels[i].Text, NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) && firstNonNumeric < 0)
                firstNonNumeric = i;
        }
        string At(int i) => $"Csv.Load: {path} line {labels[i].Line}, column {column} ('{name}')";
        if (firstNonNumeric >= 0)
        {
            var (text, _) = labels[firstNonNumeric];
            if (text.Length == 0) throw new InvalidDataException($"{At(firstNonNumeric)}: the label is empty.");
            if (dtype is { } d && d.IsFloatingPoint())
                throw new InvalidDataException($"{At(firstNonNumeric)}: '{text}' is not a number, but the labels were asked for as {d.Name()}.");
            var classes = labels.Select(l => l.Text).Distinct().Order(StringComparer.Ordinal).ToArray();
            for (int i = 0; i < labels.Count; i++)
                if (labels[i].Text.Length == 0) throw new InvalidDataException($"{At(i)}: the label is empty.");
            var index = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => (long)p.i, StringComparer.Ordinal);
            return (Tensor.FromArray(labels.Select(l => index[l.Text]).ToArray()), classes);
        }
        int firstFractional = Array.FindIndex(values, v => v != Math.Floor(v) || Math.Abs(v) > 1L << 53);
        var result = dtype ?? (firstFractional < 0 ? DType.Int64 : DType.Float32);
        if (result == DType.Int64)
        {
            if (firstFractional >= 0)
                throw new InvalidDataException($"{At(firstFractional)}: '{labels[firstFractional].Text}' is not an integer, but the labels were asked for as int64.");
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
                    throw new InvalidDataException($"Csv.Load: {path} line {lineNumber}: unexpected '{line[i]}' at character {i + 1}, after a closing quote.");
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
