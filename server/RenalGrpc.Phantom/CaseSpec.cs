using RenalGrpc.Imaging;

namespace RenalGrpc.Phantom;

/// <summary>Which kidney; the sign of x in LPS patient coordinates (left is +x).</summary>
public enum KidneySide { Right, Left }

/// <summary>
/// One kidney as an oriented ellipsoid in patient mm: local axes Width (pointing medially, to the
/// hilum), Thickness and Length (craniocaudal, tilted). Semi-axes in the same order.
/// </summary>
public sealed record KidneySpec(KidneySide Side, Vec3 Centre, Matrix3 Axes, Vec3 SemiAxes)
{
    /// <summary>Patient point to local kidney coordinates (width, thickness, length) in mm.</summary>
    public Vec3 ToLocal(Vec3 p) => Axes.Transpose() * (p - Centre);

    public Vec3 ToPatient(Vec3 local) => Centre + Axes * local;
}

/// <summary>Interior features a solid lesion may have (DATASET.md morphology).</summary>
public sealed record LesionFeatures(bool Necrosis, bool CentralScar, bool EnhancementInversion, bool MacroscopicFat);

/// <summary>
/// One renal lesion. Border radius along unit direction d is Radius * (1 + sum_m Amplitude[m] *
/// cos(Frequency[m] * (d . Lobe[m]) + Phase[m])): a low-order smooth perturbation.
/// PhaseHu is the drawn solid-tissue value per phase (N, A, P, D; for a cyst its fluid value).
/// </summary>
public sealed record LesionSpec(
    bool IsCyst,
    RenalSubtype? Subtype,
    KidneySide Side,
    bool Exophytic,
    Vec3 Centre,
    double Radius,
    double[] PhaseHu,
    LesionFeatures Features,
    Vec3[] Lobe,
    double[] Amplitude,
    double[] Frequency,
    double[] Phase,
    double NecrosisHu,
    double FatHu,
    double InversionHu,
    Vec3 InversionNormal,
    double TextureAmplitude,
    double TextureSeed)
{
    /// <summary>Largest border radius the perturbation can reach: bounds the lesion for culling.</summary>
    public double BoundingRadius => Radius * (1 + Amplitude.Sum(Math.Abs));
}

/// <summary>A phase's rigid patient motion (patient = Rotation * scanner + Translation) and its scan grid.</summary>
public sealed record PhaseScanSpec(
    ContrastPhase Phase,
    Vec3 Translation,
    Vec3 RotationDegrees,
    Geometry Grid,
    ulong NoiseSeed,
    double NoiseSd)
{
    public Matrix3 Rotation => RigidRotation.FromDegrees(RotationDegrees);
}

/// <summary>The torso: elliptic body cylinder, fat and muscle layers, organ positions (patient mm).</summary>
public sealed record TorsoSpec(
    double BodySemiX,
    double BodySemiY,
    double SubcutaneousFat,
    double MuscleWall,
    Vec3 LiverCentre,
    Vec3 LiverSemiAxes,
    Vec3 SpleenCentre,
    Vec3 SpleenSemiAxes,
    Vec3 AortaCentre,
    double AortaRadius,
    Vec3 IvcCentre,
    double IvcRadius,
    Vec3 SpineCentre,
    double VertebralRadius,
    Vec3[] BowelCentres,
    double[] BowelRadii,
    double CollectingSystemDelayedHu);

/// <summary>Everything drawn for one case: enough to render every phase again.</summary>
public sealed record CaseSpec(
    string CaseId,
    int Seed,
    RenalSubtype? Subtype,
    TorsoSpec Torso,
    KidneySpec[] Kidneys,
    LesionSpec[] Lesions,
    PhaseScanSpec[] Scans);
