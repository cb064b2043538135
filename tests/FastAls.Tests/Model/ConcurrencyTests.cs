using static FastAls.Tests.Engine.EngineTestData;

namespace FastAls.Tests.Model;

/// <summary>
/// Training is exclusive; reads during training either see a complete state (before or after a training call)
/// or fail with <see cref="InvalidOperationException"/>, never a mixture.
/// </summary>
public class ConcurrencyTests
{
    private static readonly AlsOptions s_options = new() { Kind = AlsModelKind.BiasedImplicit, Factors = 4, Iterations = 1, Threads = 1, Seed = 3, Regularization = 0.1f };

    private static float[] PredictAll(AlsModel m, int[] users, int[] items)
    {
        var dest = new float[users.Length];
        m.Predict(users, items, dest);
        return dest;
    }

    [Fact]
    public void EightThreads_reading_while_one_trains_see_only_complete_states_or_a_state_error()
    {
        using Dataset data = Random(60, 40, 0.2, seed: 8, implicitValues: true);
        int[] users = [.. Enumerable.Range(0, data.Users * data.Items).Select(t => t / data.Items)];
        int[] items = [.. Enumerable.Range(0, data.Users * data.Items).Select(t => t % data.Items)];
        const int Trainings = 6;

        // The states a reader may see: after Fit, and after each ContinueTraining(1), computed sequentially.
        var states = new List<float[]>();
        using (AlsModel reference = AlsModel.Fit(data, s_options))
        {
            states.Add(PredictAll(reference, users, items));
            for (int t = 0; t < Trainings; t++)
            {
                reference.ContinueTraining(data, 1);
                states.Add(PredictAll(reference, users, items));
            }
        }

        using AlsModel m = AlsModel.Fit(data, s_options);
        using var go = new Barrier(8);
        int reads = 0, refused = 0;
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        bool trainingDone = false;
        var threads = new List<Thread>();
        threads.Add(new Thread(() =>
        {
            go.SignalAndWait();
            for (int t = 0; t < Trainings; t++)
            {
                m.ContinueTraining(data, 1);
            }

            Volatile.Write(ref trainingDone, true);
        }));
        for (int r = 0; r < 7; r++)
        {
            int kind = r;
            threads.Add(new Thread(() =>
            {
                go.SignalAndWait();

                // At least one read each (do ... while): six iterations of this small model can end before a reader
                // of the eight threads on two cores is first scheduled, and a read after the last one sees a complete state.
                do
                {
                    try
                    {
                        switch (kind % 3)
                        {
                            case 0:
                                float[] p = PredictAll(m, users, items);
                                if (!states.Any(s => s.AsSpan().SequenceEqual(p)))
                                {
                                    errors.Enqueue("a batch prediction matches no complete state");
                                }

                                break;
                            case 1:
                                _ = m.RecommendBatch(null, 5, data.UserItems);
                                break;
                            default:
                                _ = m.RecalculateUser([1, 2, 3], [1f, 2f, 1f]);
                                _ = m.SimilarItems(kind, 3);
                                break;
                        }

                        Interlocked.Increment(ref reads);
                    }
                    catch (InvalidOperationException e)
                    {
                        Assert.Contains("being changed (training)", e.Message, StringComparison.Ordinal);
                        Interlocked.Increment(ref refused);
                    }
                    catch (Exception e)
                    {
                        errors.Enqueue(e.ToString());
                    }
                }
                while (!Volatile.Read(ref trainingDone));
            }));
        }

        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(errors);

        // The trained model is exactly the sequential one: the reads never disturbed training.
        Assert.Equal(states[^1], PredictAll(m, users, items));
        Assert.True(reads + refused > 0);
    }

    [Fact]
    public void TwoThreadsTraining_one_is_turned_away_and_the_result_is_the_sequential_one()
    {
        using Dataset data = Random(50, 30, 0.25, seed: 4, implicitValues: true);
        using AlsModel m = AlsModel.Fit(data, s_options);
        using var go = new Barrier(2);
        int done = 0, refused = 0;
        var others = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        void Train()
        {
            go.SignalAndWait();
            for (int t = 0; t < 5; t++)
            {
                try
                {
                    m.ContinueTraining(data, 1);
                    Interlocked.Increment(ref done);
                }
                catch (InvalidOperationException e) when (e.Message.Contains("already being changed (training)", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref refused);
                }
                catch (Exception e)
                {
                    others.Enqueue(e);
                }
            }
        }

        var a = new Thread(Train);
        var b = new Thread(Train);
        a.Start();
        b.Start();
        a.Join();
        b.Join();
        Assert.Empty(others);
        Assert.Equal(10, done + refused);

        using AlsModel sequential = AlsModel.Fit(data, s_options);
        for (int t = 0; t < done; t++)
        {
            sequential.ContinueTraining(data, 1);
        }

        Assert.Equal(sequential.UserFactors.ToArray(), m.UserFactors.ToArray());
        Assert.Equal(sequential.ItemFactors.ToArray(), m.ItemFactors.ToArray());
    }

    [Fact]
    public void TheProgressCallback_may_read_the_model_but_not_train_it()
    {
        using Dataset data = Random(30, 20, 0.3, seed: 2, implicitValues: true);
        using AlsModel m = AlsModel.Fit(data, s_options);
        int callbacks = 0;
        m.ContinueTraining(data, 2, new SyncProgress(_ =>
        {
            callbacks++;
            Assert.True(float.IsFinite(m.Predict(0, 0)));
            var e = Assert.Throws<InvalidOperationException>(() => m.ContinueTraining(data, 1));
            Assert.Contains("by this thread", e.Message, StringComparison.Ordinal);
        }));
        Assert.Equal(4, callbacks);
    }

    private sealed class SyncProgress(Action<AlsProgress> report) : IProgress<AlsProgress>
    {
        public void Report(AlsProgress value) => report(value);
    }
}
