using System.Security.Cryptography;
using System.Text;

namespace RenalGrpc.Imaging.Dicom;

/// <summary>A series' volume with whose and which exam's series it is.</summary>
public sealed record DicomVolume(Volume Volume, DicomProvenance Provenance);

/// <summary>
/// Whose scan and which exam, to compare the phases of one study: the SHA-256 of PatientID and of
/// StudyInstanceUID, so that what is kept (and could end up in a message or a dump) identifies no
/// one. Empty when the files do not say (anonymised data): unknown compares as unknown, not as equal.
/// </summary>
public sealed record DicomProvenance(string PatientKey, string ExamKey)
{
    internal static DicomProvenance Of(IReadOnlyList<DicomFileHeader> series) =>
        new(Key(series[0].PatientId), Key(series[0].StudyInstanceUid));

    /// <summary>True only when both name their patient and the patients differ.</summary>
    public bool IsOtherPatientThan(DicomProvenance other) =>
        PatientKey.Length > 0 && other.PatientKey.Length > 0 && PatientKey != other.PatientKey;

    /// <summary>True only when both name their exam and the exams differ.</summary>
    public bool IsOtherExamThan(DicomProvenance other) =>
        ExamKey.Length > 0 && other.ExamKey.Length > 0 && ExamKey != other.ExamKey;

    private static string Key(string value) =>
        value.Length == 0 ? "" : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
