using BenchmarkDotNet.Running;
using FastAls.Benchmarks;

// Dispatcher on the first argument; each mode lives in its own file.
//   load [--rows N] [--dir DIR] [--keep]   end-to-end load throughput and peak memory (Parquet and CSV)
//   load-one parquet|csv PATH             one load in this process (used by `load` for clean peak figures)
//   phases [--rows N]                     time id mapping, appending and CSR building separately
//   micro [BenchmarkDotNet args]          BenchmarkDotNet micro-benchmarks (e.g. micro --filter *Builder*)
string mode = args.Length > 0 ? args[0] : "help";
string[] rest = args.Length > 0 ? args[1..] : [];
return mode switch
{
    "load" => LoadBenchmark.Run(rest),
    "load-one" => LoadBenchmark.RunOne(rest),
    "phases" => PhaseBenchmark.Run(rest),
    "micro" => RunMicro(rest),
    _ => Help(),
};

static int RunMicro(string[] rest)
{
    BenchmarkSwitcher.FromAssembly(typeof(LoadBenchmark).Assembly).Run(rest);
    return 0;
}

static int Help()
{
    Console.Error.WriteLine("usage: FastAls.Benchmarks load [--rows N] [--dir DIR] [--keep] | load-one parquet|csv PATH | phases [--rows N] | micro [BenchmarkDotNet args]");
    return 2;
}
