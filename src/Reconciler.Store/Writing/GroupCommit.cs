using System.Threading.Channels;

namespace Reconciler.Store.Writing;

/// <summary>The commit queue is full: the request is refused at once (503 with Retry-After), never left to time out.</summary>
public sealed class OverloadedException()
    : Exception("The server has more writes queued than it can commit promptly; retry in a second (signal ids make a retry safe).");

/// <summary>How the commit pipeline groups writes. Validated when the pipeline is built.</summary>
public sealed record GroupCommitOptions
{
    /// <summary>Units of work committed at the same time; a second one overlaps its round trips with the first's commit.</summary>
    public int Committers { get; init; } = 2;

    /// <summary>A unit takes waiting writes until they weigh this much (a signal weighs 1); a heavier single write goes alone.</summary>
    public int MaxWeightPerUnit { get; init; } = 2_000;

    /// <summary>Past this much waiting weight a new write is refused with <see cref="OverloadedException"/>.</summary>
    public int MaxQueuedWeight { get; init; } = 20_000;

    public void Validate()
    {
        if (Committers is < 1 or > 16 || MaxWeightPerUnit < 1 || MaxQueuedWeight < MaxWeightPerUnit)
        {
            throw new ArgumentException($"Group commit options out of range: {this}.");
        }
    }
}

/// <summary>
/// The commit pipeline in front of the one write path. Concurrent writes queue up; a committer takes whatever is
/// waiting (never waiting for more: a lone write is committed at once) and runs it as one unit of work of
/// <see cref="OperationWriter"/> — the union of their operations locked in the fixed order, each write's part decided
/// in arrival order, one commit — and only then answers each write. A write whose decision throws is taken back
/// (<see cref="WriteBatch.RollBackTo"/>) and fails alone; a unit the database refuses is run again one write at a
/// time, so a write that cannot be stored fails only itself. Writes under a lease's fence do not come here.
/// <para>
/// The committers are the writers themselves: a write that finds fewer than <see cref="GroupCommitOptions.Committers"/>
/// committing commits the queue (its own write first in line) on its own flow, so a lone request pays no hand-over
/// to another thread; it stops once its own write is answered, and hands what is still queued to a committer of its own.
/// </para>
/// </summary>
public sealed class GroupCommit : IAsyncDisposable
{
    private readonly OperationWriter _writer;
    private readonly GroupCommitOptions _options;
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleWriter = false });
    private int _queuedWeight;
    private int _committers;

    public GroupCommit(OperationWriter writer, GroupCommitOptions options)
    {
        options.Validate();
        _writer = writer;
        _options = options;
    }

    /// <summary>The weight of the writes waiting for a committer (signals, mostly).</summary>
    public int QueuedWeight => Volatile.Read(ref _queuedWeight);

    /// <summary>Raised when a write is refused because the queue is full.</summary>
    public event Action? Shed;

    /// <summary>Raised after each committed unit with how many writes it held and their weight.</summary>
    public event Action<int, int>? UnitCommitted;

    /// <summary>
    /// Queues a write and completes once the commit that holds it is done, with what <paramref name="decide"/> returned
    /// (or what it threw). <paramref name="decide"/> is pure and may run more than once (a retried unit).
    /// </summary>
    public Task<T> WriteAsync<T>(WriteScope scope, int weight, Func<WriteBatch, T> decide, CancellationToken ct)
    {
        if (scope.Fence is not null || scope.Alongside is not null)
        {
            throw new ArgumentException("A background job's write (fenced, or with progress alongside) goes to OperationWriter directly.", nameof(scope));
        }
        var queued = Interlocked.Add(ref _queuedWeight, weight);
        if (queued > _options.MaxQueuedWeight && queued != weight)
        {
            Interlocked.Add(ref _queuedWeight, -weight);
            Shed?.Invoke();
            throw new OverloadedException();
        }
        var write = new PendingWrite<T>(scope, weight, decide, ct);
        if (!_queue.Writer.TryWrite(write))
        {
            Interlocked.Add(ref _queuedWeight, -weight);
            throw new ObjectDisposedException(nameof(GroupCommit), "The server is stopping.");
        }
        return TryBecomeCommitter() ? CommitUntilAnsweredAsync(write) : write.Task;
    }

    private async Task<T> CommitUntilAnsweredAsync<T>(PendingWrite<T> own)
    {
        try
        {
            await CommitQueuedAsync(() => own.Task.IsCompleted);
        }
        finally
        {
            StopCommitting();
        }
        return await own.Task;
    }

    private bool TryBecomeCommitter()
    {
        if (Interlocked.Increment(ref _committers) <= _options.Committers)
        {
            return true;
        }
        Interlocked.Decrement(ref _committers);
        return false;
    }

    // A write queued while every committer was busy saw no room to commit; the last one out must not leave it behind.
    private void StopCommitting()
    {
        Interlocked.Decrement(ref _committers);
        if (_queue.Reader.Count > 0 && TryBecomeCommitter())
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await CommitQueuedAsync(() => false);
                }
                finally
                {
                    StopCommitting();
                }
            });
        }
    }

    /// <summary>Commits units of whatever is queued until the queue is empty or <paramref name="done"/>.</summary>
    private async Task CommitQueuedAsync(Func<bool> done)
    {
        var unit = new List<PendingWrite>();
        while (!done())
        {
            unit.Clear();
            var weight = 0;
            while (weight < _options.MaxWeightPerUnit && _queue.Reader.TryRead(out var write))
            {
                Interlocked.Add(ref _queuedWeight, -write.Weight);
                if (!write.Abandoned)
                {
                    unit.Add(write);
                    weight += write.Weight;
                }
            }
            if (unit.Count == 0)
            {
                return;
            }
            await CommitAsync(unit, weight);
        }
    }

    private async Task CommitAsync(List<PendingWrite> unit, int weight)
    {
        try
        {
            await _writer.WriteAsync(WriteScope.Merge([.. unit.Select(w => w.Scope)]), batch =>
            {
                foreach (var write in unit)
                {
                    write.Decide(batch);
                }
                return unit.Count;
            }, CancellationToken.None);
        }
        catch (Exception e) when (unit.Count > 1 && e is not StoreUnavailableException)
        {
            // Something in the merged unit could not be stored: find out whose, by storing each write alone.
            foreach (var write in unit)
            {
                await CommitAsync([write], write.Weight);
            }
            return;
        }
        catch (Exception e)
        {
            unit.ForEach(write => write.Fail(e));
            return;
        }
        UnitCommitted?.Invoke(unit.Count, weight);
        foreach (var write in unit)
        {
            write.Complete();
        }
    }

    /// <summary>Refuses new writes and commits what is still queued.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        while (_queue.Reader.Count > 0)
        {
            if (TryBecomeCommitter())
            {
                try
                {
                    await CommitQueuedAsync(() => false);
                }
                finally
                {
                    Interlocked.Decrement(ref _committers);
                }
            }
            else
            {
                await Task.Delay(10);
            }
        }
    }

    private abstract class PendingWrite(WriteScope scope, int weight)
    {
        public WriteScope Scope { get; } = scope;
        public int Weight { get; } = weight;
        public abstract bool Abandoned { get; }
        public abstract void Decide(WriteBatch batch);
        public abstract void Complete();
        public abstract void Fail(Exception e);
    }

    private sealed class PendingWrite<T>(WriteScope scope, int weight, Func<WriteBatch, T> decide, CancellationToken ct) : PendingWrite(scope, weight)
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;
        private Exception? _error;

        public Task<T> Task => _done.Task;

        // A caller that gave up before its write was taken: nothing is decided for it.
        public override bool Abandoned => ct.IsCancellationRequested && _done.TrySetCanceled(ct);

        public override void Decide(WriteBatch batch)
        {
            var checkpoint = batch.Checkpoint();
            try
            {
                (_result, _error) = (decide(batch), null);
            }
            catch (Exception e)
            {
                batch.RollBackTo(checkpoint);
                (_result, _error) = (default, e);
            }
        }

        public override void Complete()
        {
            if (_error is not null)
            {
                _done.TrySetException(_error);
            }
            else
            {
                _done.TrySetResult(_result!);
            }
        }

        public override void Fail(Exception e) => _done.TrySetException(e);
    }
}
