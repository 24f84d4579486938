namespace Reconciler.Store.Replicas;

/// <summary>
/// The consistency token a write answers: the primary's WAL insert position read after its commit. Concurrent writes
/// share one read (any read that began after a write committed covers it), so a burst of one-signal requests pays one
/// round trip per burst, not one each. Used only when replicas are configured.
/// </summary>
public sealed class WritePosition(ReadReplicas replicas)
{
    private readonly Lock _gate = new();
    private TaskCompletionSource<ConsistencyToken?>? _waiting;
    private bool _reading;

    /// <summary>A position at or after every commit that finished before this call; null when the primary does not answer.</summary>
    public Task<ConsistencyToken?> AfterCommitAsync()
    {
        lock (_gate)
        {
            _waiting ??= new TaskCompletionSource<ConsistencyToken?>(TaskCreationOptions.RunContinuationsAsynchronously);
            var mine = _waiting.Task;
            if (!_reading)
            {
                _reading = true;
                _ = ReadLoopAsync();
            }
            return mine;
        }
    }

    // Takes the callers waiting so far, reads once for all of them; those who came meanwhile get the next read.
    private async Task ReadLoopAsync()
    {
        while (true)
        {
            TaskCompletionSource<ConsistencyToken?> batch;
            lock (_gate)
            {
                if (_waiting is null)
                {
                    _reading = false;
                    return;
                }
                batch = _waiting;
                _waiting = null;
            }
            try
            {
                batch.SetResult(await replicas.CurrentTokenAsync(CancellationToken.None));
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // The write itself was answered; without a token its reader simply may read a replica that lags.
                batch.SetResult(null);
            }
        }
    }
}
