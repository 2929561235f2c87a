using System.Globalization;

namespace RenalGrpc.Imaging.Nrrd;

/// <summary>
/// Reads the axes of a NRRD header: which axes are spatial, the grid they span in LPS, and the
/// size of a leading non-spatial (list) axis such as the layer axis of a Slicer segmentation.
/// </summary>
internal sealed record NrrdSpatialLayout(Geometry Geometry, int Layers)
{
    private static readonly HashSet<string> SpatialKinds = new(StringComparer.OrdinalIgnoreCase) { "domain", "space", "none", "???" };

    public long SampleCount => Geometry.VoxelCount * Layers;

    public static NrrdSpatialLayout Parse(NrrdHeader header)
    {
        int dimension = header.RequireInt("dimension");
        if (dimension < 1 || dimension > 16) throw header.Problem($"dimension {dimension} is out of range");
        var sizes = ParseSizes(header, dimension);
        var directions = header.Has("space directions") ? ParseDirections(header, dimension) : null;
        var kinds = header.Words("kinds");
        if (kinds is not null && kinds.Length != dimension)
            throw header.Problem($"\"kinds\" lists {kinds.Length} kinds for dimension {dimension}");

        var spatial = new List<int>();
        int layers = 1;
        for (int axis = 0; axis < dimension; axis++)
        {
            bool isSpatial = directions is not null ? directions[axis] is not null : kinds is null || SpatialKinds.Contains(kinds[axis]);
            if (isSpatial)
            {
                spatial.Add(axis);
                continue;
            }
            if (sizes[axis] == 1) continue; // a size-1 component axis does not change the data layout
            if (axis != 0)
                throw header.Problem($"non-spatial axis {axis} (kind \"{KindOf(kinds, axis)}\", size {sizes[axis]}) must be the first axis");
            layers = sizes[axis];
        }
        if (spatial.Count is not (2 or 3))
            throw header.Problem($"{spatial.Count} spatial axes; a 3-D image (or a 2-D slice) is expected");

        var flips = SpaceFlips(header);
        var columns = new Vec3[3];
        var spacing = new double[3];
        for (int a = 0; a < spatial.Count; a++)
        {
            int axis = spatial[a];
            Vec3 column = directions is not null ? directions[axis]!.Value : SpacingsColumn(header, dimension, axis, a);
            column = new Vec3(column.X * flips.X, column.Y * flips.Y, column.Z * flips.Z);
            double length = column.Length;
            if (!double.IsFinite(length) || length <= 0)
                throw header.Problem($"the space direction of axis {axis} {column} has zero or NaN length (zero or NaN spacing)");
            spacing[a] = length;
            columns[a] = column * (1.0 / length);
        }
        if (spatial.Count == 2)
        {
            // A 2-D image becomes one slice; its third axis is the normal of the plane, 1 mm thick.
            columns[2] = columns[0].Cross(columns[1]).Normalized();
            spacing[2] = 1;
        }
        var size = new GridSize(sizes[spatial[0]], sizes[spatial[1]], spatial.Count == 3 ? sizes[spatial[2]] : 1);
        var origin = ParseOrigin(header);
        origin = new Vec3(origin.X * flips.X, origin.Y * flips.Y, origin.Z * flips.Z);
        var geometry = new Geometry(size, new Vec3(spacing[0], spacing[1], spacing[2]), origin, Matrix3.FromColumns(columns[0], columns[1], columns[2]));
        try
        {
            geometry.Validate();
        }
        catch (InvalidGeometryException e)
        {
            throw header.Problem($"unusable geometry: {e.Message}", e);
        }
        return new NrrdSpatialLayout(geometry, layers);
    }

    private static string KindOf(string[]? kinds, int axis) => kinds?[axis] ?? "none";

    private static int[] ParseSizes(NrrdHeader header, int dimension)
    {
        var words = header.Words("sizes") ?? throw header.Problem("the required field \"sizes\" is missing");
        if (words.Length != dimension) throw header.Problem($"\"sizes\" lists {words.Length} sizes for dimension {dimension}");
        var sizes = new int[dimension];
        for (int n = 0; n < dimension; n++)
        {
            if (!int.TryParse(words[n], NumberStyles.Integer, CultureInfo.InvariantCulture, out sizes[n]))
                throw header.Problem($"size \"{words[n]}\" of axis {n} is not an integer");
            if (sizes[n] <= 0) throw header.Problem($"size of axis {n} is {sizes[n]}: zero or negative sizes are not images");
        }
        return sizes;
    }

    /// <summary>
    /// Sign flips that take the file's space to LPS. Like ITK's NrrdImageIO, scanner-xyz,
    /// 3D-right-handed and a bare "space dimension" are taken as LPS already, because no
    /// patient frame is defined for them.
    /// </summary>
    private static Vec3 SpaceFlips(NrrdHeader header)
    {
        var space = header.Get("space");
        if (space is null)
        {
            int dim = header.GetInt("space dimension", 3);
            if (dim is not (2 or 3)) throw header.Problem($"space dimension {dim} is not 2 or 3");
            return new Vec3(1, 1, 1);
        }
        return space.ToLowerInvariant() switch
        {
            "left-posterior-superior" or "lps" => new Vec3(1, 1, 1),
            "right-anterior-superior" or "ras" => new Vec3(-1, -1, 1),
            "left-anterior-superior" or "las" => new Vec3(1, -1, 1),
            "scanner-xyz" or "3d-right-handed" => new Vec3(1, 1, 1),
            "3d-left-handed" => throw header.Problem("space \"3D-left-handed\" has no defined relation to patient LPS space"),
            _ => throw header.Problem($"unsupported space \"{space}\" (time-varying and 2-D named spaces are not images this reader supports)"),
        };
    }

    private static int SpaceDimension(NrrdHeader header) => header.Has("space") ? 3 : header.GetInt("space dimension", 3);

    /// <summary>One entry per axis: its direction vector embedded in 3-D, or null for "none".</summary>
    private static Vec3?[] ParseDirections(NrrdHeader header, int dimension)
    {
        var text = header.Require("space directions");
        int spaceDim = SpaceDimension(header);
        var result = new List<Vec3?>();
        int at = 0;
        while (true)
        {
            while (at < text.Length && char.IsWhiteSpace(text[at])) at++;
            if (at >= text.Length) break;
            if (text.AsSpan(at).StartsWith("none", StringComparison.OrdinalIgnoreCase))
            {
                result.Add(null);
                at += 4;
                continue;
            }
            var vector = ParseVector(header, text, ref at, spaceDim, "space directions");
            result.Add(new Vec3(vector[0], vector[1], spaceDim == 3 ? vector[2] : 0));
        }
        if (result.Count != dimension)
            throw header.Problem($"\"space directions\" lists {result.Count} vectors for dimension {dimension}");
        return result.ToArray();
    }

    private static Vec3 ParseOrigin(NrrdHeader header)
    {
        var text = header.Get("space origin");
        if (text is null) return Vec3.Zero;
        int spaceDim = SpaceDimension(header);
        int at = 0;
        var v = ParseVector(header, text, ref at, spaceDim, "space origin");
        var origin = new Vec3(v[0], v[1], spaceDim == 3 ? v[2] : 0);
        if (!origin.IsFinite) throw header.Problem($"space origin {origin} is not finite");
        return origin;
    }

    private static double[] ParseVector(NrrdHeader header, string text, ref int at, int length, string field)
    {
        while (at < text.Length && char.IsWhiteSpace(text[at])) at++;
        int close = at < text.Length && text[at] == '(' ? text.IndexOf(')', at) : -1;
        if (close < 0) throw header.Problem($"\"{field}\" is \"{text}\": expected vectors like (1,0,0)");
        var parts = text[(at + 1)..close].Split(',');
        at = close + 1;
        if (parts.Length != length)
            throw header.Problem($"\"{field}\" vector ({string.Join(',', parts)}) has {parts.Length} components for space dimension {length}");
        var values = new double[length];
        for (int n = 0; n < length; n++)
        {
            if (!double.TryParse(parts[n].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out values[n]))
                throw header.Problem($"\"{field}\" component \"{parts[n].Trim()}\" is not a number");
        }
        return values;
    }

    /// <summary>Axis-aligned column from the old "spacings" field (1 when absent).</summary>
    private static Vec3 SpacingsColumn(NrrdHeader header, int dimension, int axis, int spatialIndex)
    {
        double spacing = 1;
        var words = header.Words("spacings");
        if (words is not null)
        {
            if (words.Length != dimension) throw header.Problem($"\"spacings\" lists {words.Length} values for dimension {dimension}");
            if (!double.TryParse(words[axis], NumberStyles.Float, CultureInfo.InvariantCulture, out spacing))
                throw header.Problem($"spacing \"{words[axis]}\" of axis {axis} is not a number");
        }
        return spatialIndex switch
        {
            0 => new Vec3(spacing, 0, 0),
            1 => new Vec3(0, spacing, 0),
            _ => new Vec3(0, 0, spacing),
        };
    }
}
