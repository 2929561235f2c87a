namespace RenalGrpc.Imaging;

/// <summary>Base type of every error the imaging core raises for bad input.</summary>
public class ImagingException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A geometry that cannot describe a real grid (zero size, NaN spacing, skewed axes).</summary>
public sealed class InvalidGeometryException(string message) : ImagingException(message);

/// <summary>A file that cannot be read or written; the message names the file and the problem.</summary>
public class ImageFormatException(string path, string problem, Exception? inner = null)
    : ImagingException($"{path}: {problem}", inner)
{
    public string Path { get; } = path;
    public string Problem { get; } = problem;
}
