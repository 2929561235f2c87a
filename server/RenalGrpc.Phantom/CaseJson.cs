using System.Text.Json;
using RenalGrpc.Imaging;

namespace RenalGrpc.Phantom;

/// <summary>Writes case.json and dataset.json (DATASET.md) with a fixed key order, so same input gives same bytes.</summary>
public static class CaseJson
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    public static byte[] Case(CaseSpec spec)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, Indented))
        {
            w.WriteStartObject();
            w.WriteString("case_id", spec.CaseId);
            if (spec.Subtype is { } s) w.WriteString("subtype", s.Name()); else w.WriteNull("subtype");
            w.WriteBoolean("malignant", spec.Subtype?.IsMalignant() ?? false);
            w.WriteStartArray("phases");
            foreach (var scan in spec.Scans) w.WriteStringValue(scan.Phase.ToString());
            w.WriteEndArray();
            w.WriteStartArray("lesions");
            foreach (var lesion in spec.Lesions) WriteLesion(w, lesion, spec.Scans);
            w.WriteEndArray();
            WriteGenerator(w, spec);
            w.WriteEndObject();
        }
        return stream.ToArray();
    }

    public static byte[] Dataset(PhantomOptions options)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, Indented))
        {
            w.WriteStartObject();
            w.WriteString("name", "renal-phantom");
            w.WriteString("description", $"synthetic multi-phase renal CT (RenalGrpc.Phantom), seed {options.Seed}, {options.Balance.ToString().ToLowerInvariant()} balance");
            w.WriteStartArray("phases");
            foreach (var p in options.Phases) w.WriteStringValue(p.ToString());
            w.WriteEndArray();
            w.WriteStartObject("labels");
            foreach (var label in KidneyLabels.All) w.WriteString(label.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), label.Name);
            w.WriteEndObject();
            w.WriteNumber("cases", options.Cases);
            w.WriteEndObject();
        }
        return stream.ToArray();
    }

    private static void WriteLesion(Utf8JsonWriter w, LesionSpec lesion, PhaseScanSpec[] scans)
    {
        w.WriteStartObject();
        w.WriteString("kind", lesion.IsCyst ? "cyst" : "tumor");
        if (lesion.Subtype is { } s) w.WriteString("subtype", s.Name()); else w.WriteNull("subtype");
        w.WriteString("side", lesion.Side == KidneySide.Left ? "left" : "right");
        w.WriteBoolean("exophytic", lesion.Exophytic);
        WriteVector(w, "centre_mm", lesion.Centre);
        w.WriteNumber("radius_mm", Round(lesion.Radius));
        w.WriteStartObject("mean_hu");
        foreach (var scan in scans) w.WriteNumber(scan.Phase.ToString(), Round(lesion.PhaseHu[(int)scan.Phase]));
        w.WriteEndObject();
        w.WriteStartObject("features");
        w.WriteBoolean("necrosis", lesion.Features.Necrosis);
        w.WriteBoolean("scar", lesion.Features.CentralScar);
        w.WriteBoolean("inversion", lesion.Features.EnhancementInversion);
        w.WriteBoolean("fat", lesion.Features.MacroscopicFat);
        w.WriteEndObject();
        w.WriteStartObject("drawn");
        w.WriteNumber("necrosis_hu", Round(lesion.NecrosisHu));
        w.WriteNumber("fat_hu", Round(lesion.FatHu));
        w.WriteNumber("inversion_hu", Round(lesion.InversionHu));
        w.WriteNumber("texture_amplitude", Round(lesion.TextureAmplitude));
        w.WriteNumber("bounding_radius_mm", Round(lesion.BoundingRadius));
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteGenerator(Utf8JsonWriter w, CaseSpec spec)
    {
        w.WriteStartObject("generator");
        w.WriteString("name", "RenalGrpc.Phantom");
        w.WriteNumber("seed", spec.Seed);
        w.WriteString("coordinates", "patient LPS mm; patient = R * scanner + t per phase");
        w.WriteStartArray("kidneys");
        foreach (var k in spec.Kidneys)
        {
            w.WriteStartObject();
            w.WriteString("side", k.Side == KidneySide.Left ? "left" : "right");
            WriteVector(w, "centre_mm", k.Centre);
            WriteVector(w, "semi_axes_mm", k.SemiAxes);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNumber("collecting_system_delayed_hu", Round(spec.Torso.CollectingSystemDelayedHu));
        WriteVector(w, "body_semi_axes_mm", new Vec3(spec.Torso.BodySemiX, spec.Torso.BodySemiY, 0));
        w.WriteStartObject("scans");
        foreach (var scan in spec.Scans)
        {
            w.WriteStartObject(scan.Phase.ToString());
            WriteVector(w, "translation_mm", scan.Translation);
            WriteVector(w, "rotation_deg", scan.RotationDegrees);
            WriteVector(w, "spacing_mm", scan.Grid.Spacing);
            WriteVector(w, "origin_mm", scan.Grid.Origin);
            w.WriteString("size", scan.Grid.Size.ToString());
            w.WriteNumber("noise_sd_hu", Round(scan.NoiseSd));
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteVector(Utf8JsonWriter w, string name, Vec3 v)
    {
        w.WriteStartArray(name);
        w.WriteNumberValue(Round(v.X));
        w.WriteNumberValue(Round(v.Y));
        w.WriteNumberValue(Round(v.Z));
        w.WriteEndArray();
    }

    private static double Round(double v) => Math.Round(v, 4);
}
