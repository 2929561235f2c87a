using System.Globalization;
using gdcm;

namespace RenalGrpc.Imaging.Dicom;

/// <summary>
/// Typed reads of attribute values from a GDCM data set, nested items included. Values come
/// through GDCM's StringFilter, which knows each element's VR and byte order (so binary US
/// values of big-endian files and implicit-VR items read the same as explicit ones).
/// Malformed numbers raise <see cref="ImageFormatException"/> naming the file and attribute.
/// </summary>
internal sealed class DicomTagReader
{
    private static readonly char[] Padding = [' ', '\0'];
    private readonly StringFilter _filter = new();
    private readonly string _path;

    public DicomTagReader(gdcm.File file, string path)
    {
        _filter.SetFile(file);
        _path = path;
        Root = file.GetDataSet();
    }

    public DataSet Root { get; }

    public string? GetString(DataSet ds, Tag tag)
    {
        if (!ds.FindDataElement(tag)) return null;
        var element = ds.GetDataElement(tag);
        if (element.IsEmpty()) return null;
        var text = _filter.ToString(element)?.Trim(Padding);
        return string.IsNullOrEmpty(text) ? null : text;
    }

    public string? GetString(Tag tag) => GetString(Root, tag);

    public double[]? GetDoubles(DataSet ds, Tag tag)
    {
        var text = GetString(ds, tag);
        if (text is null) return null;
        var parts = text.Split('\\');
        var values = new double[parts.Length];
        for (int n = 0; n < parts.Length; n++)
        {
            if (!double.TryParse(parts[n].Trim(Padding), NumberStyles.Float, CultureInfo.InvariantCulture, out values[n]) || !double.IsFinite(values[n]))
                throw new ImageFormatException(_path, $"attribute {Describe(tag)} holds '{text}', which is not a list of numbers");
        }
        return values;
    }

    public double? GetDouble(DataSet ds, Tag tag) => GetDoubles(ds, tag) is { Length: > 0 } v ? v[0] : null;

    public int? GetInt(DataSet ds, Tag tag)
    {
        var value = GetDouble(ds, tag);
        if (value is null) return null;
        if (value != Math.Floor(value.Value) || Math.Abs(value.Value) > int.MaxValue)
            throw new ImageFormatException(_path, $"attribute {Describe(tag)} holds {value}, not an integer");
        return (int)value.Value;
    }

    public int? GetInt(Tag tag) => GetInt(Root, tag);

    /// <summary>Number of items of a sequence attribute (0 when absent or not a sequence).</summary>
    public int ItemCount(DataSet ds, Tag sequenceTag) => Sequence(ds, sequenceTag)?.GetNumberOfItems() is { } n ? (int)n : 0;

    /// <summary>The nested data set of item <paramref name="index"/> (0-based), or null.</summary>
    public DataSet? Item(DataSet ds, Tag sequenceTag, int index)
    {
        var sequence = Sequence(ds, sequenceTag);
        if (sequence is null || index < 0 || index >= sequence.GetNumberOfItems()) return null;
        return sequence.GetItem((uint)index + 1).GetNestedDataSet(); // GDCM items are 1-based
    }

    /// <summary>First item of <paramref name="innerSequence"/> inside a functional-group item.</summary>
    public DataSet? FunctionalGroup(DataSet? groupItem, Tag innerSequence) =>
        groupItem is null ? null : Item(groupItem, innerSequence, 0);

    private static SequenceOfItems? Sequence(DataSet ds, Tag tag)
    {
        if (!ds.FindDataElement(tag)) return null;
        var element = ds.GetDataElement(tag);
        if (element.IsEmpty()) return null;
        // GetValueAsSQ also parses undefined-length or implicit-VR (UN) sequences; a non-sequence
        // value gives a null pointer, which must not be dereferenced.
        return element.GetValueAsSQ()?.GetPointer();
    }

    public static string Describe(Tag tag) => $"({tag.GetGroup():X4},{tag.GetElement():X4})";
}
