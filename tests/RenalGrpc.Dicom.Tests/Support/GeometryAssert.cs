using System.Text.Json;
using RenalGrpc.Imaging;

namespace RenalGrpc.Dicom.Tests.Support;

/// <summary>Geometry comparisons against the JSON the fixture script prints.</summary>
public static class GeometryAssert
{
    public static Vec3 Vector(JsonElement array) => new(array[0].GetDouble(), array[1].GetDouble(), array[2].GetDouble());

    /// <summary>Checks size, spacing, origin and the direction matrix (JSON rows, columns are i, j, k).</summary>
    public static void Matches(JsonElement expected, Geometry actual, double tolerance = 1e-4)
    {
        var size = expected.GetProperty("size");
        Assert.Equal(new GridSize(size[0].GetInt32(), size[1].GetInt32(), size[2].GetInt32()), actual.Size);
        Close(Vector(expected.GetProperty("spacing")), actual.Spacing, tolerance, "spacing");
        Close(Vector(expected.GetProperty("origin")), actual.Origin, tolerance, "origin");
        var rows = expected.GetProperty("direction");
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 3; c++)
                Assert.True(Math.Abs(rows[r][c].GetDouble() - actual.Direction[r, c]) <= tolerance,
                    $"direction[{r},{c}] expected {rows[r][c].GetDouble()} got {actual.Direction[r, c]}");
    }

    public static void Close(Vec3 expected, Vec3 actual, double tolerance, string what) =>
        Assert.True((expected - actual).Length <= tolerance, $"{what}: expected {expected}, got {actual}");
}
