using BenchmarkDotNet.Running;
using FastAls.Benchmarks;
using FastAls.Benchmarks.EndToEnd;
using FastAls.Benchmarks.Kernels;

// Dispatcher on the first argument; each mode lives in its own file.
//   kernels [--full] [--disasm] [BenchmarkDotNet args]   micro-benchmarks of every kernel and ISA path, GFLOP/s beside time
//   peak [--threads N]                                   FMA peak probe (every path, one core and all cores)
//   score [--k K] [--items N] [--threads T]              kernel-only serving rate (packed score product) as users/s, JSON
//   split [--k K] [--items N,N,..] [--threads T]         one query on one thread vs split across T threads, by catalogue size, JSON
//   recommend-all [--users N] [--items N] [--k K] ...     top-n for every user: kernel-only, in memory and streamed to Parquet
//   e2e [--quick] [--all] ...                            end-to-end training/recommend/memory, markdown under bench/results/<cpu>/
//   load [--rows N] [--dir DIR] [--keep]                 end-to-end load throughput and peak memory (Parquet and CSV)
//   load-one parquet|csv PATH                            one load in this process (used by `load` for clean peak figures)
//   phases [--rows N]                                    time id mapping, appending and CSR building separately
//   micro [BenchmarkDotNet args]                         any BenchmarkDotNet benchmark of this assembly (e.g. micro --filter *Builder*)
string mode = args.Length > 0 ? args[0] : "help";
string[] rest = args.Length > 0 ? args[1..] : [];
return mode switch
{
    "kernels" => KernelBenchmarks.Run(rest),
    "peak" => PeakCommand.Run(rest),
    "score" => ScoreCommand.Run(rest),
    "split" => SplitCommand.Run(rest),
    "recommend-all" => RecommendAllCommand.Run(rest),
    "e2e" => E2eRunner.Run(rest),
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
    Console.Error.WriteLine("usage: FastAls.Benchmarks kernels [--full] [--disasm] [BenchmarkDotNet args] | peak [--threads N] | score [--k K] [--items N] [--threads T] | split [--k K] [--items N,N,...] [--threads T] [--reps R] | recommend-all [--users N] [--items N] [--k K] [--n N] [--per-user N] [--rounds R] [--threads T] [--dir DIR] | e2e [options] | load [--rows N] [--dir DIR] [--keep] | load-one parquet|csv PATH | phases [--rows N] | micro [BenchmarkDotNet args]");
    Console.Error.WriteLine(E2eOptions.Usage);
    return 2;
}
