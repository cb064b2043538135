using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;

// AbHost DIR_A DIR_B ITERATIONS model solver k threads users [items interactions]   (env AB_WARMUP: iterations left out first, default 10)
// Loads AbRunner (and its FastAls) from both directories into their own load contexts and trains both in one process,
// one iteration of A, then one of B, then B, A, ... (the order swaps every pair), on two threads that hand the CPU to
// each other. Both sides see the same machine state within a pair, which a noisy shared host does not give two
// processes run one after the other. Prints the per-pair ratios B ÷ A.
if (args.Length is not (8 or 10))
{
    Console.Error.WriteLine("usage: AbHost DIR_A DIR_B ITERATIONS model solver k threads users [items interactions]");
    return 2;
}

// Iterations left out at the start of each side (tiered JIT: each load context compiles and re-compiles its own copy
// of the library); AB_WARMUP overrides it, e.g. for small sets whose iterations take a few milliseconds.
int warmup = int.TryParse(Environment.GetEnvironmentVariable("AB_WARMUP"), CultureInfo.InvariantCulture, out int w) && w >= 0 ? w : 10;
int iterations = int.Parse(args[2], CultureInfo.InvariantCulture);
string[] config = args[3..];
var times = new[] { new List<double>(), new List<double>() };
var results = new string[2];
var errors = new Exception?[2];
var turn = new[] { new SemaphoreSlim(1), new SemaphoreSlim(0) };
var workers = new Thread[2];
for (int side = 0; side < 2; side++)
{
    string path = Path.GetFullPath(Path.Combine(args[side], "AbRunner.dll"));
    MethodInfo run = new RunnerContext(path).LoadFromAssemblyPath(path).GetType("AbRunner", throwOnError: true)!.GetMethod("Run")!;
    int me = side;
    workers[side] = new Thread(() =>
    {
        turn[me].Wait();
        int done = 0;
        void OnIteration(double ms)
        {
            done++;
            if (done > warmup)
            {
                times[me].Add(ms);
            }

            // A1 B1 | B2 A2 | A3 B3 | ...: A hands over after its odd iterations, B after its even ones, so that the
            // i-th iterations of both sides are neighbours in time and each side goes first in half of the pairs.
            if (done % 2 == (me == 0 ? 1 : 0))
            {
                turn[1 - me].Release();
                turn[me].Wait();
            }
        }

        try
        {
            results[me] = (string)run.Invoke(null, [config, warmup + iterations, (Action<double>)OnIteration])!;
        }
        catch (TargetInvocationException e)
        {
            errors[me] = e.InnerException ?? e;
        }
        finally
        {
            turn[1 - me].Release();
        }
    });
    workers[side].Start();
}

foreach (Thread t in workers)
{
    t.Join();
}

foreach (Exception? e in errors)
{
    if (e is not null)
    {
        Console.Error.WriteLine(e);
        return 1;
    }
}

int n = Math.Min(times[0].Count, times[1].Count);
List<double> ratios = [.. Enumerable.Range(0, n).Select(i => times[1][i] / times[0][i]).Order()];
static double Median(IEnumerable<double> values)
{
    List<double> s = [.. values.Order()];
    return s[s.Count / 2];
}

Console.WriteLine(string.Create(
    CultureInfo.InvariantCulture,
    $"{string.Join(' ', config)}, {n} pairs: A min {times[0].Min():F2} median {Median(times[0]):F2} ms | B min {times[1].Min():F2} median {Median(times[1]):F2} ms | B/A of the minima {times[1].Min() / times[0].Min():F3}, per pair median {ratios[n / 2]:F3} (quartiles {ratios[n / 4]:F3}, {ratios[3 * n / 4]:F3})"));
Console.WriteLine($"  A: {results[0]}");
Console.WriteLine($"  B: {results[1]}");
return 0;

/// <summary>A load context that resolves AbRunner's dependencies (its own FastAls) from its directory.</summary>
internal sealed class RunnerContext(string runnerPath) : AssemblyLoadContext(isCollectible: false)
{
    private readonly AssemblyDependencyResolver _resolver = new(runnerPath);

    protected override Assembly? Load(AssemblyName assemblyName) =>
        _resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
}
