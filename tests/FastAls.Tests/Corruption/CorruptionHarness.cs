using System.Globalization;
using System.Text;

namespace FastAls.Tests.Data.Corruption;

/// <summary>
/// Checks a file reader against corrupted variants of a valid file. From a fixed seed it makes variants
/// (truncations, bit flips, byte changes, forged 32-bit counts and offsets, deleted and inserted bytes),
/// writes each to disk and loads it on its own thread with a time limit. Each variant must either load to
/// exactly the original data (compared through a canonical text of what was loaded) or fail with an
/// <see cref="InvalidDataException"/> whose message names the file; it must never hang, throw anything
/// else, allocate more than a bound proportional to the file size, or load different data.
/// Reusable for any format: give it the bytes, a load function and the expected canonical text.
/// </summary>
internal static class CorruptionHarness
{
    /// <summary>Time one load may take before it counts as a hang.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Variants per file: the fast default, or FASTALS_CORRUPTION_VARIANTS for a release check
    /// (e.g. FASTALS_CORRUPTION_VARIANTS=20000 dotnet test tests/FastAls.Tests --filter "FullyQualifiedName~Corruption").
    /// </summary>
    public static int VariantsPerFile(int fastDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable("FASTALS_CORRUPTION_VARIANTS"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : fastDefault;

    /// <summary>A corrupted copy of the original and how it was made.</summary>
    public sealed record Variant(string Description, byte[] Bytes);

    /// <summary>What the run saw.</summary>
    public sealed record Report(int Variants, int LoadedSame, int Rejected, long MaxAllocated);

    /// <summary>
    /// Makes <paramref name="count"/> variants of <paramref name="original"/> from <paramref name="seed"/>. When
    /// <paramref name="focus"/> is given, about two thirds of the edits fall inside those byte ranges (e.g. a
    /// footer and page headers), the rest anywhere.
    /// </summary>
    public static IEnumerable<Variant> Variants(byte[] original, int count, int seed, IReadOnlyList<(long Start, long Length)>? focus = null, bool focusOnly = false)
    {
        var rng = new Random(seed);
        int len = original.Length;
        for (int v = 0; v < count; v++)
        {
            int at = Offset(rng, len, focus, focusOnly);
            byte[] b;
            string what;
            switch (v % 8)
            {
                case 0:
                    {
                        int cut = rng.Next(2) == 0 ? at : rng.Next(len);
                        b = original[..cut];
                        what = $"truncated to {cut} bytes";
                        break;
                    }

                case 1:
                case 2:
                    {
                        b = (byte[])original.Clone();
                        int bit = rng.Next(8);
                        b[at] ^= (byte)(1 << bit);
                        what = $"bit {bit} of byte {at} flipped";
                        break;
                    }

                case 3:
                    {
                        b = (byte[])original.Clone();
                        byte x = rng.Next(3) switch { 0 => 0, 1 => 0xFF, _ => (byte)rng.Next(256) };
                        if (x == b[at])
                        {
                            x ^= 0x5A;
                        }

                        b[at] = x;
                        what = $"byte {at} set to 0x{x:X2}";
                        break;
                    }

                case 4:
                case 5:
                    {
                        // A forged count or offset: a 32-bit value written over four bytes.
                        b = (byte[])original.Clone();
                        int p = Math.Min(at, Math.Max(0, len - 4));
                        uint[] forged = [0x7FFFFFFF, 0xFFFFFFFF, 0x80000000, 300_000_000, 2_000_000_000, (uint)rng.Next(), (uint)len, (uint)(len * 2), 1u << 31];
                        uint val = forged[rng.Next(forged.Length)];
                        for (int k = 0; k < 4 && p + k < len; k++)
                        {
                            b[p + k] = (byte)(val >> (8 * k));
                        }

                        what = $"bytes {p}..{p + 3} forged to 0x{val:X8}";
                        break;
                    }

                case 6:
                    {
                        // A forged varint (Thrift counts and sizes are varints): a long run of 0xFF or a large value.
                        b = (byte[])original.Clone();
                        int n = rng.Next(1, 6);
                        for (int k = 0; k < n && at + k < len; k++)
                        {
                            b[at + k] = k == n - 1 ? (byte)rng.Next(0x08, 0x80) : (byte)0xFF;
                        }

                        what = $"varint of {n} bytes forged at {at}";
                        break;
                    }

                default:
                    {
                        if (rng.Next(2) == 0)
                        {
                            b = [.. original[..at], .. original[Math.Min(len, at + 1)..]];
                            what = $"byte {at} deleted";
                        }
                        else
                        {
                            byte x = (byte)rng.Next(256);
                            b = [.. original[..at], x, .. original[at..]];
                            what = $"byte 0x{x:X2} inserted at {at}";
                        }

                        break;
                    }
            }

            yield return new Variant(what, b);
        }
    }

    private static int Offset(Random rng, int len, IReadOnlyList<(long Start, long Length)>? focus, bool focusOnly)
    {
        if (focus is { Count: > 0 } && (focusOnly || rng.Next(3) != 0))
        {
            (long s, long l) = focus[rng.Next(focus.Count)];
            return (int)Math.Clamp(s + rng.NextInt64(Math.Max(1, l)), 0, len - 1);
        }

        return rng.Next(len);
    }

    /// <summary>
    /// Runs every variant through <paramref name="loadCanonical"/> (which loads the file at the path it is given
    /// and returns a canonical text of the data, disposing what it loaded) and fails the test with every
    /// violation found. Allocation per load is bounded by <paramref name="allocBase"/> +
    /// <paramref name="allocPerByte"/> × the variant's size (process-wide count, so run in a non-parallel collection).
    /// </summary>
    /// <param name="differentDataAllowed">
    /// For formats without checksums (text), where a changed digit is a valid file with other data: loading
    /// different data is then not a violation (hangs, crashes, other exceptions and allocation still are).
    /// </param>
    /// <param name="namesFile">
    /// Whether an error message (second argument) names the file for the variant at the path given first;
    /// default: the message contains that path. For a file that is one of several (a Spark model folder), a
    /// fault the other files reveal may name them instead.
    /// </param>
    public static Report Run(string directory, string fileName, IEnumerable<Variant> variants, Func<string, string> loadCanonical, string expected, bool differentDataAllowed = false, long allocBase = 64L << 20, long allocPerByte = 256, Func<string, string, bool>? namesFile = null)
    {
        var failures = new List<string>();
        int total = 0, same = 0, rejected = 0;
        long maxAlloc = 0;
        foreach (Variant v in variants)
        {
            total++;
            string path = Path.Combine(directory, $"v{total}-{fileName}");
            File.WriteAllBytes(path, v.Bytes);
            string? canonical = null;
            Exception? error = null;
            long allocated = 0;
            var thread = new Thread(() =>
            {
                long before = GC.GetTotalAllocatedBytes(false);
                try
                {
                    canonical = loadCanonical(path);
                }
                catch (Exception e)
                {
                    error = e;
                }

                allocated = GC.GetTotalAllocatedBytes(false) - before;
            })
            { IsBackground = true, Name = "corruption variant" };
            thread.Start();
            if (!thread.Join(Timeout))
            {
                failures.Add($"{v.Description}: no result within {Timeout.TotalSeconds} s (hang)");
                continue; // the thread is abandoned; the file stays for inspection
            }

            maxAlloc = Math.Max(maxAlloc, allocated);
            long bound = allocBase + (allocPerByte * v.Bytes.Length);
            if (allocated > bound)
            {
                failures.Add($"{v.Description}: allocated {allocated:N0} bytes (bound {bound:N0})");
            }

            if (error is null)
            {
                if (canonical == expected)
                {
                    same++;
                }
                else if (!differentDataAllowed)
                {
                    failures.Add($"{v.Description}: loaded DIFFERENT data without an error");
                }
            }
            else if (error is InvalidDataException && (namesFile?.Invoke(path, error.Message) ?? error.Message.Contains(path, StringComparison.Ordinal)))
            {
                rejected++;
            }
            else
            {
                failures.Add($"{v.Description}: {error.GetType().Name} {(error is InvalidDataException ? "not naming the file" : string.Empty)}: {error.Message}");
            }

            File.Delete(path);
        }

        if (failures.Count > 0)
        {
            var sb = new StringBuilder();
            sb.AppendLine(CultureInfo.InvariantCulture, $"{failures.Count} of {total} variants of {fileName} misbehaved:");
            foreach (string f in failures.Take(40))
            {
                sb.AppendLine(f);
            }

            Assert.Fail(sb.ToString());
        }

        return new Report(total, same, rejected, maxAlloc);
    }
}
