using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastAls.Internals.Kernels;
using FastAls.Internals.Serving;

namespace FastAls;

public static partial class BatchRecommender
{
    /// <summary>
    /// The bounded path gives up (and the call scores every item exactly) when more than this fraction of the
    /// catalogue would need an exact score: scores so close together that the quantized pass cannot tell them apart.
    /// </summary>
    private const int BoundedMaxRescoreDivisor = 8;

    /// <summary>
    /// The most queries a call answers in two passes each (<see cref="RunBoundedBatch"/>); larger batches use the blocked
    /// product, whose item panels serve 64 queries per read. Through the C ABI on the 2-core AVX2 VM, at 50,000 x k = 64, a
    /// batch of 100 users on the blocked product cost 125-135 us a user and one two-pass query 140-220 us on one thread
    /// (bench/results/AMD-EPYC-2c/serving.md, "Fifth round").
    /// </summary>
    internal const int BoundedMaxBatch = 32;

    [ThreadStatic]
    private static int t_boundedRuns;

    /// <summary>How many queries this thread's calls have answered with the two-pass path (tests check which path ran).</summary>
    internal static int BoundedRunsOnThisThread => t_boundedRuns;

    /// <summary>
    /// The scorer of a call that may take the bounded path: at most <see cref="BoundedMaxBatch"/> queries, a <see cref="FactorScorer"/> with a quantized
    /// copy of its targets (the model gives one where it pays: <see cref="Int8Catalogue.Pays"/>), a vector kernel path and n small
    /// against the catalogue.
    /// </summary>
    private static FactorScorer? BoundedScorer(IRecommendationScorer scorer, int queries, int n) =>
        queries is > 0 and <= BoundedMaxBatch && n > 0 && (long)n * 64 <= scorer.Items && scorer is FactorScorer { Bounded: not null } fs
        && Int8Catalogue.Supports(KernelSet.Active.Path) ? fs : null;

    /// <summary>
    /// One query in two passes, with the result of the one-pass float scoring, item for item and bit for bit. The first
    /// pass scores the 8-bit catalogue (a quarter of the bytes) into an interval per item that surely holds the item's float
    /// score (<see cref="FactorScorer.ScoreBounds"/>), keeps the n best lower ends (threshold t) and every item whose
    /// upper end reaches the threshold of the moment (t only grows); the second scores exactly, with the bits the scorer's
    /// one-pass blocks give (<see cref="FactorScorer.ScoreItems"/>), the items whose upper end reaches the final t. An item of the float top n scores at least the n-th best float
    /// score, which is at least t (n items score at least their lower ends), so its upper end reaches t: the second
    /// pass sees every item of the top n, and the order (score descending, then lower index) is total. Filters apply as
    /// in the one-pass path. Returns false, having written nothing, when too many items would need an exact score.
    /// </summary>
    private static bool RunBounded(FactorScorer scorer, int[] query, int n, SeenRows seen, bool[]? mask, bool excludeSelf, int threads, IRecommendationSink sink)
    {
        var outItems = new int[n];
        var outScores = new float[n];
        int got;
        if (threads > 1)
        {
            SplitJob job = SplitJob.Rent();
            try
            {
                got = job.RunBounded(scorer, query, n, seen, mask, excludeSelf, threads, outItems, outScores);
            }
            finally
            {
                SplitJob.Return(job);
            }
        }
        else
        {
            got = BoundedOne(scorer, query, 0, n, seen, mask, excludeSelf, outItems, outScores);
        }

        if (got < 0)
        {
            return false;
        }

        t_boundedRuns++;
        outItems.AsSpan(got).Fill(-1);
        outScores.AsSpan(got).Fill(float.NaN);
        sink.Write(new RecommendationBlock(query, n, [got], outItems, outScores));
        return true;
    }

    /// <summary>
    /// A few queries (at most <see cref="BoundedMaxBatch"/>), each in two passes on one thread (<see cref="RunBounded"/>),
    /// the queries on up to <paramref name="threads"/> threads; a query whose first pass cannot narrow the catalogue is
    /// scored in one pass. The same items and bits as the one-pass batch, written to the sink in one block.
    /// </summary>
    private static void RunBoundedBatch(FactorScorer scorer, int[] users, int n, SeenRows seen, bool[]? mask, bool excludeSelf, int threads, IRecommendationSink sink)
    {
        var outItems = new int[users.Length * n];
        var outScores = new float[outItems.Length];
        var outCounts = new int[users.Length];
        int bounded = 0;
        void One(int q)
        {
            Span<int> items = outItems.AsSpan(q * n, n);
            Span<float> scores = outScores.AsSpan(q * n, n);
            int got = BoundedOne(scorer, users, q, n, seen, mask, excludeSelf, items, scores);
            if (got < 0)
            {
                Worker w = Worker.Rent(n, 1);
                try
                {
                    ScoreUserBlock(scorer, users.AsSpan(q, 1), q, n, seen, mask, excludeSelf, w, items, scores, outCounts.AsSpan(q, 1));
                }
                finally
                {
                    Worker.Return(w);
                }

                return;
            }

            Interlocked.Increment(ref bounded);
            items[got..].Fill(-1);
            scores[got..].Fill(float.NaN);
            outCounts[q] = got;
        }

        if (threads > 1)
        {
            Parallel.For(0, users.Length, new ParallelOptions { MaxDegreeOfParallelism = threads }, One);
        }
        else
        {
            for (int q = 0; q < users.Length; q++)
            {
                One(q);
            }
        }

        t_boundedRuns += bounded;
        sink.Write(new RecommendationBlock(users, n, outCounts, outItems, outScores));
    }

    /// <summary>Query <c>users[position]</c> in two passes on this thread; writes its best first and returns how many, or -1 (see <see cref="Rescore"/>).</summary>
    private static int BoundedOne(FactorScorer scorer, int[] users, int position, int n, SeenRows seen, bool[]? mask, bool excludeSelf, Span<int> outItems, Span<float> outScores)
    {
        BoundScratch b = BoundScratch.Rent();
        try
        {
            int user = users[position];
            b.Reset(n, scorer.Bounded!.Stride);
            Int8Query q = scorer.PrepareBounds(user, b.QueryBytes);
            BoundRange(scorer, user, position, q, b.QueryBytes, 0, scorer.Items, seen, mask, excludeSelf, b);
            return Rescore(scorer, user, n, new ReadOnlySpan<BoundScratch>(in b), b.Heap.Threshold, b.Lower, outItems, outScores);
        }
        finally
        {
            BoundScratch.Return(b);
        }
    }

    /// <summary>
    /// The first pass over items [<paramref name="from"/>, <paramref name="to"/>) (a multiple of <see cref="ItemBlock"/>
    /// from the start, or the whole catalogue) for query <paramref name="user"/> at <paramref name="position"/> of the call: intervals per block, filtered items set to -inf, the lower ends offered
    /// to <paramref name="b"/>'s heap and the items whose upper end reaches its threshold added to its candidates.
    /// </summary>
    private static void BoundRange(FactorScorer scorer, int user, int position, in Int8Query query, ReadOnlySpan<byte> queryBytes, int from, int to, SeenRows seen, bool[]? mask, bool excludeSelf,
        BoundScratch b)
    {
        ReadOnlySpan<int> s = seen.IsEmpty ? default : seen.Of(position, user);
        int c = from == 0 ? 0 : LowerBound(s, from);
        for (int i0 = from; i0 < to; i0 += ItemBlock)
        {
            int ib = Math.Min(ItemBlock, to - i0);
            Span<float> lower = b.Lower.AsSpan(0, ib), upper = b.Upper.AsSpan(0, ib);
            scorer.ScoreBounds(user, query, queryBytes, i0, ib, lower, upper);
            for (; c < s.Length && s[c] < i0 + ib; c++)
            {
                if (s[c] >= i0)
                {
                    lower[s[c] - i0] = upper[s[c] - i0] = float.NegativeInfinity;
                }
            }

            if (excludeSelf && user >= i0 && user < i0 + ib)
            {
                lower[user - i0] = upper[user - i0] = float.NegativeInfinity;
            }

            ReadOnlySpan<bool> allowed = mask is null ? default : mask.AsSpan(i0, ib);
            b.Heap.Offer(lower, i0, allowed);
            b.AddCandidates(upper, i0, b.Heap.Threshold, allowed);
        }
    }

    /// <summary>
    /// The second pass: the exact scores of the candidates of every part whose upper end reaches <paramref name="t"/>,
    /// their n best written best first; returns how many, or -1 when there are too many candidates.
    /// </summary>
    private static int Rescore(FactorScorer scorer, int user, int n, ReadOnlySpan<BoundScratch> parts, float t, float[] buffer, Span<int> outItems, Span<float> outScores)
    {
        int total = 0;
        foreach (BoundScratch p in parts)
        {
            total += p.Keep(t);
        }

                if (total > scorer.Items / BoundedMaxRescoreDivisor)
        {
            return -1;
        }

        TopN best = parts[0].Heap;
        best.Reset(n);
        foreach (BoundScratch p in parts)
        {
            for (int k0 = 0; k0 < p.Count; k0 += buffer.Length)
            {
                ReadOnlySpan<int> items = p.Candidates.AsSpan(k0, Math.Min(buffer.Length, p.Count - k0));
                Span<float> scores = buffer.AsSpan(0, items.Length);
                scorer.ScoreItems(user, items, scores);
                for (int j = 0; j < items.Length; j++)
                {
                    best.Push(scores[j], items[j]);
                }
            }
        }

        return best.Drain(outItems, outScores);
    }

    /// <summary>One thread's scratch of the bounded path: the quantized query, a block's intervals, the lower-end heap and the candidates.</summary>
    private sealed class BoundScratch
    {
        [ThreadStatic]
        private static BoundScratch? t_free;

        private float[] _candidateUpper = new float[256];

        public byte[] QueryBytes { get; private set; } = [];

        public float[] Lower { get; } = new float[ItemBlock];

        public float[] Upper { get; } = new float[ItemBlock];

        public TopN Heap { get; } = new TopN(0);

        public int[] Candidates { get; private set; } = new int[256];

        public int Count { get; private set; }

        public static BoundScratch Rent()
        {
            BoundScratch b = t_free ?? new BoundScratch();
            t_free = null; // a nested call on this thread gets its own
            return b;
        }

        public static void Return(BoundScratch b) => t_free = b;

        public void Reset(int n, int queryBytes)
        {
            if (QueryBytes.Length < queryBytes)
            {
                QueryBytes = new byte[queryBytes];
            }

            Heap.Reset(n);
            Count = 0;
        }

        /// <summary>Adds <c>first + j</c> for every allowed j whose upper end is not below <paramref name="t"/> (NaN is added; -inf never).</summary>
        public void AddCandidates(ReadOnlySpan<float> upper, int first, float t, ReadOnlySpan<bool> allowed)
        {
            ref float u = ref MemoryMarshal.GetReference(upper);
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<float> tv = Vector256.Create(t), ninf = Vector256.Create(float.NegativeInfinity);
                for (; j + Vector256<float>.Count <= upper.Length; j += Vector256<float>.Count)
                {
                    Vector256<float> x = Vector256.LoadUnsafe(ref u, (nuint)j);
                    uint hit = ~(Vector256.LessThan(x, tv) | Vector256.Equals(x, ninf)).ExtractMostSignificantBits() & 0xFFu;
                    while (hit != 0)
                    {
                        int l = j + BitOperations.TrailingZeroCount(hit);
                        hit &= hit - 1;
                        if (allowed.IsEmpty || allowed[l])
                        {
                            Add(first + l, upper[l]);
                        }
                    }
                }
            }

            for (; j < upper.Length; j++)
            {
                float x = upper[j];
                if (!(x < t) && x != float.NegativeInfinity && (allowed.IsEmpty || allowed[j]))
                {
                    Add(first + j, x);
                }
            }
        }

        /// <summary>Keeps the candidates whose upper end is not below <paramref name="t"/> (in order); returns how many.</summary>
        public int Keep(float t)
        {
            int kept = 0;
            for (int k = 0; k < Count; k++)
            {
                if (!(_candidateUpper[k] < t))
                {
                    Candidates[kept] = Candidates[k];
                    _candidateUpper[kept++] = _candidateUpper[k];
                }
            }

            return Count = kept;
        }

        private void Add(int item, float upper)
        {
            if (Count == Candidates.Length)
            {
                int[] c = Candidates;
                Array.Resize(ref c, Count * 2);
                Candidates = c;
                Array.Resize(ref _candidateUpper, Count * 2);
            }

            Candidates[Count] = item;
            _candidateUpper[Count++] = upper;
        }
    }
}
