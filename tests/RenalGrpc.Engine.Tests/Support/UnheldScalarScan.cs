using System.Reflection;
using System.Reflection.Emit;
using TorchSharp;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Tests.Support;

/// <summary>
/// Finds, in an assembly's IL, the TorchSharp calls that hand native code a Scalar nothing holds.
/// TorchSharp reads such a Scalar's handle and then makes the native call; the Scalar is already
/// unreachable, so a garbage collection on another thread can finalize it (free its native
/// object) while libtorch still reads it. Seen here as "Expected false to be true" errors and,
/// worse, as adds that silently used a wrong alpha (69 errors and 11 wrong sums in 1.2 M calls
/// of add_(t) and leaky_relu(0.01) with a thread forcing collections; none with held Scalars).
/// A Scalar made by `using var s = x.ToScalar()` lives to the end of its scope and is not flagged.
/// </summary>
public static class UnheldScalarScan
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>"Type.Method: reason" for every offending call in the assembly's own methods.</summary>
    public static IReadOnlyList<string> Find(Assembly assembly)
    {
        var findings = new List<string>();
        foreach (var type in assembly.GetTypes())
        {
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance |
                                     BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (MethodBase method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                foreach (var callee in Callees(method))
                {
                    string? reason = Reason(callee);
                    if (reason is not null) findings.Add($"{type.FullName}.{method.Name}: {reason}");
                }
            }
        }
        return findings.Distinct().ToList();
    }

    /// <summary>Fails with every finding listed, so one run names all the places to fix.</summary>
    public static void AssertNone(Assembly assembly)
    {
        var findings = Find(assembly);
        Xunit.Assert.True(findings.Count == 0, $"unheld Scalars in {assembly.GetName().Name}:\n" + string.Join("\n", findings));
    }

    /// <summary>Why a call leaves a Scalar unheld, or null when it does not.</summary>
    public static string? Reason(MethodBase callee)
    {
        var type = callee.DeclaringType;
        if (type is null || type.Assembly != typeof(Scalar).Assembly) return null;
        var parameters = callee.GetParameters();
        if (type == typeof(Scalar) && callee.Name == "op_Implicit")
            return $"implicit conversion of {parameters[0].ParameterType.Name} to Scalar";
        if (type == typeof(Tensor))
        {
            // add/sub without an alpha pass TorchSharp's own implicit alpha of 1.
            if (callee.Name is "add" or "add_" or "sub" or "sub_" && parameters.Length == 1)
                return $"Tensor.{callee.Name}({parameters[0].ParameterType.Name}) makes its alpha implicitly";
            if (callee.Name is "addcmul" or "addcmul_" or "addcdiv" or "addcdiv_" && parameters.Length == 2)
                return $"Tensor.{callee.Name} without a value makes it implicitly";
            if (callee.Name is "op_Addition" or "op_Subtraction")
                return $"Tensor operator {callee.Name} makes a Scalar (the alpha, or the operand) implicitly";
            if (callee.Name.StartsWith("op_", StringComparison.Ordinal) && callee.Name != "op_Implicit" && callee.Name != "op_Explicit"
                && parameters.Any(p => p.ParameterType.IsPrimitive))
                return $"Tensor operator {callee.Name} with a number makes its Scalar implicitly";
            if (callee.Name is "leaky_relu" or "leaky_relu_" && parameters.Any(p => p.ParameterType == typeof(double)))
                return "Tensor.leaky_relu(double) makes its slope Scalar implicitly";
        }
        if (callee.Name is "LeakyReLU" or "leaky_relu" && type.FullName!.StartsWith("TorchSharp.torch+nn", StringComparison.Ordinal))
            return "TorchSharp's LeakyReLU makes its slope Scalar implicitly on every forward";
        if (callee.Name is "BatchNorm1d" or "BatchNorm2d" or "BatchNorm3d" && type.FullName!.StartsWith("TorchSharp.torch+nn", StringComparison.Ordinal))
            return "TorchSharp's BatchNorm counts training batches with add_(1), an implicit Scalar";
        if (callee.Name is "Adam" or "AdamW" or "SGD" && type.FullName!.StartsWith("TorchSharp.torch+optim", StringComparison.Ordinal))
            return $"TorchSharp's {callee.Name}.step makes Scalars implicitly";
        return null;
    }

    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        byte[]? il;
        try { il = method.GetMethodBody()?.GetILAsByteArray(); }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException) { yield break; }
        if (il is null) yield break;
        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int position = 0;
        while (position < il.Length)
        {
            short value = il[position++];
            if (value == 0xFE) value = (short)(0xFE00 | il[position++]);
            var opCode = OpCodesByValue[value];
            int operandSize = opCode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, position),
                _ => 4,
            };
            if (opCode.OperandType == OperandType.InlineMethod)
            {
                MethodBase? callee = null;
                try { callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, position), typeArguments, methodArguments); }
                catch (ArgumentException) { }
                if (callee is not null) yield return callee;
            }
            position += operandSize;
        }
    }
}
