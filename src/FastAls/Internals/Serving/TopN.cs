using System.Runtime.CompilerServices;

namespace FastAls.Internals.Serving;

/// <summary>
/// A bounded selection of the best <c>capacity</c> (score, index) pairs: a min-heap whose root is the
/// worst kept pair. Higher score is better; on equal scores the lower index is better, so results are
/// deterministic. NaN and negative infinity (the "filtered" marker) are never kept.
/// </summary>
internal sealed class TopN
{
    private readonly float[] _scores;
    private readonly int[] _indices;
    private int _count;

    public TopN(int capacity)
    {
        _scores = new float[Math.Max(capacity, 1)];
        _indices = new int[Math.Max(capacity, 1)];
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count => _count;

    public void Clear() => _count = 0;

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
