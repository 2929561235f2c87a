using RenalGrpc.Bench;

// Every benchmark section; run all, or name some on the command line.
IBenchmark[] all =
[
    new ResampleBenchmark(),
    new DicomBenchmark(),
    new NiftiBenchmark(),
    new TransferBenchmark(),
    new EngineBenchmark(),
    new EditBenchmark(),
];

// Options with a value (`--model PATH`) are taken out first; the remaining words name sections.
string? modelFolder = null;
var words = new List<string>(args);
int model = words.IndexOf("--model");
if (model >= 0)
{
    if (model + 1 >= words.Count)
    {
        Console.Error.WriteLine("--model needs a checkpoint folder");
        return 2;
    }
    modelFolder = words[model + 1];
    words.RemoveRange(model, 2);
}

bool quick = words.Remove("--quick");
var selected = words.Count == 0 ? all : all.Where(b => words.Contains(b.Name)).ToArray();
if (selected.Length == 0)
{
    Console.Error.WriteLine($"unknown benchmark; choose from: {string.Join(", ", all.Select(b => b.Name))}");
    return 2;
}
var root = AppContext.BaseDirectory;
while (!File.Exists(Path.Combine(root, "RenalGrpc.sln"))) root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
var scratch = Path.Combine(Path.GetTempPath(), "renal-bench");
Directory.CreateDirectory(scratch);
var context = new BenchmarkContext(scratch, root) { ModelFolder = modelFolder, Quick = quick };
Console.WriteLine($"RenalGrpc benchmarks, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
foreach (var b in selected) await b.RunAsync(context, CancellationToken.None);
return 0;
