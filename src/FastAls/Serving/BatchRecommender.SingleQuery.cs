using System.Runtime.ExceptionServices;
using FastAls.Internals.Serving;

namespace FastAls;

public static partial class BatchRecommender
{
    /// <summary>
    /// The smallest catalogue whose lone query is split across threads when asked (<see cref="RecommendOptions.Threads"/>
    /// &gt; 1). Measured with the bench's <c>split</c> mode on the quiet 2-core AVX2 VM (bench/results/AMD-EPYC-2c/serving.md,
    /// "Fourth round"): two threads against one gave 1.31x at 4,096 items and 1.43x at 8,192 for k = 64, but only 1.17x
    /// (2 of 16 us) at 4,096 for k = 16, where one late wake-up of a pool thread eats the gain; 8,192 items make four
    /// chunks, so a helper that starts late still finds work. It cannot change a result: the bits are the same on any
    /// number of threads.
    /// </summary>
    internal const int SplitMinItems = 8_192;

    /// <summary>
    /// Items a thread of a split query claims at a time: a multiple of <see cref="ItemBlock"/>, so every block scored is
    /// one the one-thread pass scores (and a packed scorer's blocks start on a panel).
    /// </summary>
    internal const int SplitChunk = 2 * ItemBlock;

    /// <summary>
    /// The threads one query of a catalogue of <paramref name="items"/> items is scored on: one unless the caller asked
    /// for more (<paramref name="requested"/> &gt; 1; 0 means one here, not all processors) and the catalogue has at least
    /// <see cref="SplitMinItems"/> items; never more than the chunks there are.
    /// </summary>
    internal static int SplitThreads(int requested, int items, int minItems = SplitMinItems) =>
        requested <= 1 || items < minItems ? 1 : Math.Min(requested, (items + SplitChunk - 1) / SplitChunk);

    /// <summary>One query (<c>users[0]</c>) scored on <paramref name="threads"/> threads, its n best written to the sink.</summary>
    private static void RunSplit(IRecommendationScorer scorer, int[] users, int n, SeenRows seen, bool[]? mask, bool excludeSelf, int threads, IRecommendationSink sink)
    {
        var outItems = new int[n];
        var outScores = new float[n];
        var outCounts = new int[1];
        SplitJob job = SplitJob.Rent();
        int got;
        try
        {
            got = job.Run(scorer, users, n, seen, mask, excludeSelf, threads, outItems, outScores);
        }
        finally
        {
            SplitJob.Return(job); // joined even when it threw: no helper is inside
        }

        outItems.AsSpan(got).Fill(-1);
        outScores.AsSpan(got).Fill(float.NaN);
        outCounts[0] = got;
        sink.Write(new RecommendationBlock(users, n, outCounts, outItems, outScores));
    }

    /// <summary>
    /// One query scored on several threads. The catalogue is cut into <see cref="SplitChunk"/>-item chunks; the calling
    /// thread and up to threads - 1 pool threads claim chunks in turn, each into its own top-n (its part), and the calling
    /// thread merges the parts. The order of the top-n (score descending, then lower item index) is total, so the merged
    /// selection is the one a single pass would make, whichever thread scored which chunk, and every score has the same
    /// bits (the same blocks as the one-thread pass). The calling thread never waits for a pool thread that has not
    /// started: it scores every chunk left and closes the job, and only the helpers already inside are waited for (a
    /// helper that starts later sees the job closed and returns). Each calling thread keeps one job (its parts: a
    /// score buffer and a heap per thread) and reuses it, so a call allocates no scratch and no task.
    /// </summary>
    private sealed class SplitJob : IThreadPoolWorkItem
    {
        private const int Closed = 1 << 30;

        [ThreadStatic]
        private static SplitJob? t_free;

        private readonly ManualResetEventSlim _done = new(false);
        private Part[] _parts = [];

        // Helpers inside the job, plus Closed once the call no longer takes helpers in.
        private int _state = Closed;
        private int _nextPart;
        private int _nextChunk;
        private int _chunks;
        private int _parties;
        private IRecommendationScorer? _scorer;
        private int[] _query = [];
        private SeenRows _seen;
        private bool[]? _mask;
        private bool _excludeSelf;
        private Exception? _error;

        // The bounded mode (RunBounded): the scorer and the prepared query, read-only while the job is open.
        private FactorScorer? _bounded;
        private Int8Query _boundQuery;
        private byte[] _queryBytes = [];
        private BoundScratch[] _bounds = [];

        /// <summary>This thread's job (a nested call on the same thread, from a scorer, gets a new one).</summary>
        public static SplitJob Rent()
        {
            SplitJob job = t_free ?? new SplitJob();
            t_free = null;
            return job;
        }

        public static void Return(SplitJob job) => t_free = job;

        /// <summary>Scores <c>query[0]</c> on <paramref name="threads"/> threads; writes its best first and returns how many.</summary>
        public int Run(IRecommendationScorer scorer, int[] query, int n, SeenRows seen, bool[]? mask, bool excludeSelf, int threads, Span<int> outItems, Span<float> outScores)
        {
            Execute(scorer, query, n, seen, mask, excludeSelf, threads);
            TopN best = _parts[0].Heap;
            for (int p = 1; p < threads; p++)
            {
                best.Merge(_parts[p].Heap);
            }

            return best.Drain(outItems, outScores);
        }

        /// <summary>
        /// <see cref="BatchRecommender.RunBounded"/> on <paramref name="threads"/> threads: each thread runs the first pass
        /// over the chunks it claims into its own lower-end heap and candidates; the calling thread merges the heaps (the
        /// threshold of all the catalogue) and runs the second pass. Returns -1 when there are too many candidates.
        /// </summary>
        public int RunBounded(FactorScorer scorer, int[] query, int n, SeenRows seen, bool[]? mask, bool excludeSelf, int threads, Span<int> outItems, Span<float> outScores)
        {
            int user = query[0];
            int bytes = scorer.Bounded!.Stride;
            if (_queryBytes.Length < bytes)
            {
                _queryBytes = new byte[bytes];
            }

            _boundQuery = scorer.PrepareBounds(user, _queryBytes);
            _bounded = scorer;
            try
            {
                Execute(scorer, query, n, seen, mask, excludeSelf, threads);
            }
            finally
            {
                _bounded = null;
            }

            TopN lower = _parts[0].Bound.Heap;
            for (int p = 1; p < threads; p++)
            {
                lower.Merge(_parts[p].Bound.Heap);
            }

            if (_bounds.Length < threads)
            {
                _bounds = new BoundScratch[threads];
            }

            for (int p = 0; p < threads; p++)
            {
                _bounds[p] = _parts[p].Bound;
            }

            return Rescore(scorer, user, n, _bounds.AsSpan(0, threads), lower.Threshold, _parts[0].Bound.Lower, outItems, outScores);
        }

        /// <summary>Runs the chunks of the catalogue on <paramref name="threads"/> threads into the parts; rethrows the first error.</summary>
        private void Execute(IRecommendationScorer scorer, int[] query, int n, SeenRows seen, bool[]? mask, bool excludeSelf, int threads)
        {
            if (_parts.Length < threads)
            {
                Array.Resize(ref _parts, threads);
            }

            for (int p = 0; p < threads; p++)
            {
                (_parts[p] ??= new Part()).Reset(n);
            }

            _scorer = scorer;
            _query = query;
            _seen = seen;
            _mask = mask;
            _excludeSelf = excludeSelf;
            _chunks = (scorer.Items + SplitChunk - 1) / SplitChunk;
            _parties = threads;
            _nextPart = 0;
            _nextChunk = 0;
            _error = null;
            _done.Reset();
            Volatile.Write(ref _state, 0); // open: the fields above are visible to every helper that enters
            try
            {
                for (int h = 1; h < threads; h++)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                }

                Work(_parts[0]);
            }
            catch (Exception e)
            {
                Fail(e);
            }
            finally
            {
                if ((Interlocked.Or(ref _state, Closed) & ~Closed) != 0)
                {
                    _done.Wait(); // the last helper inside sets it on its way out
                }
            }

            _scorer = null; // keep no caller objects alive between calls
            _query = [];
            _seen = default;
            _mask = null;
            if (_error is { } error)
            {
                _error = null;
                ExceptionDispatchInfo.Throw(error);
            }
        }

        /// <summary>A helper on a pool thread: enters while the call is open, scores chunks as part 1, 2, ...</summary>
        void IThreadPoolWorkItem.Execute()
        {
            int s;
            do
            {
                s = Volatile.Read(ref _state);
                if ((s & Closed) != 0)
                {
                    return; // the call is over (every chunk was scored without this helper)
                }
            }
            while (Interlocked.CompareExchange(ref _state, s + 1, s) != s);

            try
            {
                int p = Interlocked.Increment(ref _nextPart);
                if (p < _parties)
                {
                    Work(_parts[p]);
                }
            }
            catch (Exception e)
            {
                Fail(e);
            }
            finally
            {
                if (Interlocked.Decrement(ref _state) == Closed)
                {
                    _done.Set();
                }
            }
        }

        private void Work(Part part)
        {
            int c;
            while ((c = Interlocked.Increment(ref _nextChunk) - 1) < _chunks)
            {
                int from = c * SplitChunk;
                int to = Math.Min(_scorer!.Items, from + SplitChunk);
                if (_bounded is { } b)
                {
                    BoundRange(b, _query[0], 0, _boundQuery, _queryBytes, from, to, _seen, _mask, _excludeSelf, part.Bound);
                }
                else
                {
                    ScoreRange(_scorer!, _query, 0, from, to, _seen, _mask, _excludeSelf, part.Scores, part.Heaps, part.Cursors);
                }
            }
        }

        /// <summary>Keeps the first error and stops every thread at its next chunk.</summary>
        private void Fail(Exception e)
        {
            Interlocked.CompareExchange(ref _error, e, null);
            Interlocked.Exchange(ref _nextChunk, _chunks);
        }

        /// <summary>One thread's scratch: a block of scores, its top-n and its seen-list cursor.</summary>
        private sealed class Part
        {
            public float[] Scores { get; } = new float[ItemBlock];

            public TopN[] Heaps { get; } = [new TopN(0)];

            public int[] Cursors { get; } = new int[1];

            public TopN Heap => Heaps[0];

            /// <summary>The bounded mode's scratch (its query bytes stay unused: the job's are shared).</summary>
            public BoundScratch Bound { get; } = new BoundScratch();

            public void Reset(int n)
            {
                Heaps[0].Reset(n);
                Bound.Reset(n, 0);
            }
        }
    }
}
