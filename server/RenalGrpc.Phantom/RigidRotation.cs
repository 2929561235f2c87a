using RenalGrpc.Imaging;

namespace RenalGrpc.Phantom;

/// <summary>Rotations from small Euler angles (degrees about x, then y, then z).</summary>
public static class RigidRotation
{
    public static Matrix3 FromDegrees(Vec3 degrees)
    {
        double a = degrees.X * Math.PI / 180, b = degrees.Y * Math.PI / 180, c = degrees.Z * Math.PI / 180;
        var rx = new Matrix3(1, 0, 0, 0, Math.Cos(a), -Math.Sin(a), 0, Math.Sin(a), Math.Cos(a));
        var ry = new Matrix3(Math.Cos(b), 0, Math.Sin(b), 0, 1, 0, -Math.Sin(b), 0, Math.Cos(b));
        var rz = new Matrix3(Math.Cos(c), -Math.Sin(c), 0, Math.Sin(c), Math.Cos(c), 0, 0, 0, 1);
        return rz * ry * rx;
    }
}
