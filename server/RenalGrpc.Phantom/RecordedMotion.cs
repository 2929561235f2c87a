using System.Text.Json;
using RenalGrpc.Imaging;

namespace RenalGrpc.Phantom;

/// <summary>
/// One phase's rigid patient motion as case.json records it under generator.scans
/// (patient = Rotation * scanner + Translation, LPS mm). Lets an evaluation compare the
/// registration's result with the motion the generator actually applied.
/// </summary>
public sealed record RecordedMotion(Matrix3 Rotation, Vec3 Translation)
{
    /// <summary>
    /// The true map from the reference phase's scanner (LPS) coordinates to this phase's: the
    /// reference's motion into the patient, then this phase's motion inverted. Returned as the
    /// linear part and offset of p -> Linear * p + Offset.
    /// </summary>
    public (Matrix3 Linear, Vec3 Offset) FromReference(RecordedMotion reference)
    {
        var inverse = Rotation.Transpose(); // a rotation's inverse
        return (inverse * reference.Rotation, inverse * (reference.Translation - Translation));
    }

    /// <summary>
    /// The recorded motion of every phase of a case.json (keys N, A, P, D); null when the file has no
    /// generator.scans (a case not made by this generator, e.g. KiTS23). A scans entry that is there but
    /// malformed is an <see cref="ImagingException"/>, not a silent null.
    /// </summary>
    public static IReadOnlyDictionary<string, RecordedMotion>? Read(string caseJsonPath)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(caseJsonPath));
        if (!document.RootElement.TryGetProperty("generator", out var generator) || generator.ValueKind != JsonValueKind.Object
            || !generator.TryGetProperty("scans", out var scans) || scans.ValueKind != JsonValueKind.Object)
            return null;
        var motions = new Dictionary<string, RecordedMotion>(StringComparer.Ordinal);
        foreach (var scan in scans.EnumerateObject())
        {
            try
            {
                motions[scan.Name] = new RecordedMotion(RigidRotation.FromDegrees(Vector(scan.Value, "rotation_deg")), Vector(scan.Value, "translation_mm"));
            }
            catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or FormatException or IndexOutOfRangeException)
            {
                throw new ImagingException($"{caseJsonPath}: generator.scans.{scan.Name} has no valid rotation_deg / translation_mm ({e.Message})");
            }
        }
        return motions;
    }

    private static Vec3 Vector(JsonElement scan, string name)
    {
        var values = scan.GetProperty(name);
        if (values.GetArrayLength() != 3) throw new FormatException($"{name} needs 3 numbers");
        return new Vec3(values[0].GetDouble(), values[1].GetDouble(), values[2].GetDouble());
    }
}
