namespace RenalGrpc.Cli;

/// <summary>
/// Parsed command-line arguments: positionals, "--name value" options (repeatable) and
/// "--flag" switches. A command names its switches up front so "--json PATH" is unambiguous,
/// and must consume every option, so a typo is an error rather than silently ignored.
/// </summary>
internal sealed class CliArguments
{
    private readonly List<string> _positionals = [];
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);

    public static CliArguments Parse(IReadOnlyList<string> args, IReadOnlySet<string> switches)
    {
        var parsed = new CliArguments();
        for (int n = 0; n < args.Count; n++)
        {
            var a = args[n];
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                var eq = a.IndexOf('=');
                string name = eq > 0 ? a[..eq] : a;
                if (switches.Contains(name))
                {
                    if (eq > 0) throw new CliUsageException($"{name} takes no value");
                    parsed._flags.Add(name);
                    continue;
                }
                string value;
                if (eq > 0) value = a[(eq + 1)..];
                else if (n + 1 < args.Count) value = args[++n];
                else throw new CliUsageException($"{name} needs a value");
                if (!parsed._options.TryGetValue(name, out var list)) parsed._options[name] = list = [];
                list.Add(value);
            }
            else
            {
                parsed._positionals.Add(a);
            }
        }
        return parsed;
    }

    public IReadOnlyList<string> Positionals => _positionals;

    public bool Flag(string name)
    {
        _consumed.Add(name);
        return _flags.Contains(name);
    }

    public string? Value(string name)
    {
        _consumed.Add(name);
        if (!_options.TryGetValue(name, out var list)) return null;
        if (list.Count > 1) throw new CliUsageException($"{name} given more than once");
        return list[0];
    }

    public string Required(string name) => Value(name) ?? throw new CliUsageException($"{name} is required");

    public IReadOnlyList<string> Values(string name)
    {
        _consumed.Add(name);
        return _options.TryGetValue(name, out var list) ? list : [];
    }

    public int IntValue(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        var text = Value(name);
        if (text is null) return fallback;
        if (!int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v) || v < min || v > max)
            throw new CliUsageException($"{name} must be an integer between {min} and {max}, got '{text}'");
        return v;
    }

    public double DoubleValue(string name, double fallback, double min = double.MinValue, double max = double.MaxValue)
    {
        var text = Value(name);
        if (text is null) return fallback;
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) || !(v >= min && v <= max))
            throw new CliUsageException($"{name} must be a number between {min} and {max}, got '{text}'");
        return v;
    }

    /// <summary>Throws when an option or switch was given that the command never asked for.</summary>
    public void EnsureAllConsumed(int maxPositionals)
    {
        var unknown = _options.Keys.Concat(_flags).Where(k => !_consumed.Contains(k)).ToList();
        if (unknown.Count > 0) throw new CliUsageException($"unknown option {string.Join(", ", unknown)}");
        if (_positionals.Count > maxPositionals)
            throw new CliUsageException($"unexpected argument '{_positionals[maxPositionals]}'");
    }
}
