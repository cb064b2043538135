using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastAls.Internals.Serving;

/// <summary>
/// A bounded selection of the best <c>capacity</c> (score, index) pairs: a min-heap whose root is the
/// worst kept pair. Higher score is better; on equal scores the lower index is better, so results are
/// deterministic. NaN and negative infinity (the "filtered" marker) are never kept.
/// </summary>
internal sealed class TopN
{
    private float[] _scores;
    private int[] _indices;
    private int _count;

    public TopN(int capacity)
    {
        _scores = new float[Math.Max(capacity, 1)];
        _indices = new int[Math.Max(capacity, 1)];
        Capacity = capacity;
    }

    public int Capacity { get; private set; }

    public int Count => _count;

    public void Clear() => _count = 0;

    /// <summary>Empties the selection and sets a new capacity, reusing the arrays when they are large enough.</summary>
    public void Reset(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        if (_scores.Length < capacity)
        {
            _scores = new float[capacity];
            _indices = new int[capacity];
        }

        Capacity = capacity;
        _count = 0;
    }

    /// <summary>
    /// <see cref="Push"/>es <c>(scores[j], firstIndex + j)</c> for every j, in order, that beats the threshold at its turn
    /// and whose <c>allowed[j]</c> is true (all when <paramref name="allowed"/> is empty). The same selection as pushing
    /// each score in turn, found with a vector comparison against the threshold (most scores of a large catalogue are
    /// below it), so the per-score cost is a fraction of a compare.
    /// </summary>
    public void Offer(ReadOnlySpan<float> scores, int firstIndex, ReadOnlySpan<bool> allowed)
    {
        float th = Threshold;
        int j = 0;
        while ((j = FirstAbove(scores, j, th)) < scores.Length)
        {
            if (allowed.IsEmpty || allowed[j])
            {
                Push(scores[j], firstIndex + j);
                th = Threshold;
            }

            j++;
        }
    }

    /// <summary>The score a candidate must beat (or tie with a lower index) once full.</summary>
    public float Threshold => _count < Capacity ? float.NegativeInfinity : _scores[0];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(float score, int index)
    {
        if (!(score > float.NegativeInfinity))
        {
            return; // NaN or filtered
        }

        if (_count < Capacity)
        {
            int c = _count++;
            _scores[c] = score;
            _indices[c] = index;
            SiftUp(c);
        }
        else if (Capacity > 0 && Better(score, index, _scores[0], _indices[0]))
        {
            _scores[0] = score;
            _indices[0] = index;
            SiftDown(0);
        }
    }

    /// <summary>
    /// <see cref="Push"/>es every pair <paramref name="other"/> keeps (which it leaves as it is). The order (score
    /// descending, then lower index) is total, so when the two selections were made over disjoint index sets, this one
    /// then holds the best <see cref="Capacity"/> of their union, whatever the order of the pushes: the same pairs a
    /// single selection over both sets would keep.
    /// </summary>
    public void Merge(TopN other)
    {
        for (int k = 0; k < other._count; k++)
        {
            Push(other._scores[k], other._indices[k]);
        }
    }

    /// <summary>Writes the kept pairs best first and empties the selection; returns how many.</summary>
    public int Drain(Span<int> indices, Span<float> scores)
    {
        int n = _count;
        for (int k = n - 1; k >= 0; k--)
        {
            indices[k] = _indices[0];
            scores[k] = _scores[0];
            _count--;
            if (_count > 0)
            {
                _scores[0] = _scores[_count];
                _indices[0] = _indices[_count];
                SiftDown(0);
            }
        }

        return n;
    }

    /// <summary>The first j >= <paramref name="from"/> with <c>scores[j] > threshold</c> (NaN never is), or the length.</summary>
    private static int FirstAbove(ReadOnlySpan<float> scores, int from, float threshold)
    {
        ref float r = ref MemoryMarshal.GetReference(scores);
        int j = from;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> t = Vector256.Create(threshold);

            // Once a heap is full, almost every block of 32 holds nothing above the threshold: one branch for the four
            // compares (their masks OR'd), then the block that holds one is searched eight at a time below.
            for (; j + (4 * Vector256<float>.Count) <= scores.Length; j += 4 * Vector256<float>.Count)
            {
                Vector256<float> above = Vector256.GreaterThan(Vector256.LoadUnsafe(ref r, (nuint)j), t)
                    | Vector256.GreaterThan(Vector256.LoadUnsafe(ref r, (nuint)j + 8), t)
                    | Vector256.GreaterThan(Vector256.LoadUnsafe(ref r, (nuint)j + 16), t)
                    | Vector256.GreaterThan(Vector256.LoadUnsafe(ref r, (nuint)j + 24), t);
                if (above != Vector256<float>.Zero)
                {
                    break;
                }
            }

            for (; j + Vector256<float>.Count <= scores.Length; j += Vector256<float>.Count)
            {
                uint above = Vector256.GreaterThan(Vector256.LoadUnsafe(ref r, (nuint)j), t).ExtractMostSignificantBits();
                if (above != 0)
                {
                    return j + BitOperations.TrailingZeroCount(above);
                }
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            Vector128<float> t = Vector128.Create(threshold);
            for (; j + Vector128<float>.Count <= scores.Length; j += Vector128<float>.Count)
            {
                uint above = Vector128.GreaterThan(Vector128.LoadUnsafe(ref r, (nuint)j), t).ExtractMostSignificantBits();
                if (above != 0)
                {
                    return j + BitOperations.TrailingZeroCount(above);
                }
            }
        }

        for (; j < scores.Length; j++)
        {
            if (scores[j] > threshold)
            {
                return j;
            }
        }

        return scores.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Better(float s, int i, float t, int j) => s > t || (s == t && i < j);

    private void SiftUp(int c)
    {
        while (c > 0)
        {
            int p = (c - 1) >> 1;
            if (!Better(_scores[p], _indices[p], _scores[c], _indices[c]))
            {
                break;
            }

            Swap(p, c);
            c = p;
        }
    }

    private void SiftDown(int p)
    {
        while (true)
        {
            int l = (2 * p) + 1;
            if (l >= _count)
            {
                return;
            }

            int w = l;
            int r = l + 1;
            if (r < _count && Better(_scores[l], _indices[l], _scores[r], _indices[r]))
            {
                w = r; // the worse child
            }

            if (!Better(_scores[p], _indices[p], _scores[w], _indices[w]))
            {
                return;
            }

            Swap(p, w);
            p = w;
        }
    }

    private void Swap(int a, int b)
    {
        (_scores[a], _scores[b]) = (_scores[b], _scores[a]);
        (_indices[a], _indices[b]) = (_indices[b], _indices[a]);
    }
}
