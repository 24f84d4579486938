using Reconciler.Store;
using Reconciler.Store.Webhooks;

namespace Reconciler.Webhooks;

public sealed partial class SubscriptionRunner
{
    /// <summary>A page from the reader: filtered, then queued per operation, or stored behind its operation's waiting delivery.</summary>
    private async Task AcceptAsync(FeedPage page, CancellationToken ct)
    {
        var held = new List<Slot>();
        foreach (var e in page.Events)
        {
            var slot = new Slot(e.Cursor, _definition.Matches(e) ? feed.ItemOf(e) : null);
            _window.Enqueue(slot);
            if (slot.Item is not { } item)
            {
                continue;
            }
            if (_held.Contains(item.OperationId))
            {
                held.Add(slot);
            }
            else
            {
                Enqueue(slot);
            }
        }
        if (page.Next > _readCursor)
        {
            _readCursor = page.Next;
        }
        await HoldAsync(held, ct);
        _readerOwed = true;
        Advance();
    }

    private void Enqueue(Slot slot)
    {
        var operation = slot.Item!.OperationId;
        if (!_queues.TryGetValue(operation, out var queue))
        {
            _queues[operation] = queue = new Queue<Slot>();
        }
        queue.Enqueue(slot);
        if (queue.Count == 1 && !_inFlight.Contains(operation))
        {
            _ready.Enqueue(operation);
        }
    }

    /// <summary>Starts attempts while there is room: due waiting deliveries first (they are older), then new items.</summary>
    private void Dispatch(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        while (_inFlight.Count < WebhookOptions.MaxInFlight && !_stop)
        {
            var head = _heads.FirstOrDefault(h => h.NextAttemptAt <= now && !_inFlight.Contains(h.Item.OperationId));
            if (head is not null)
            {
                _heads.Remove(head);
                Launch(new Attempt(head.Item, null, head), ct);
                continue;
            }
            if (!_ready.TryDequeue(out var operation))
            {
                break;
            }
            if (_inFlight.Contains(operation) || _held.Contains(operation) || !_queues.TryGetValue(operation, out var queue))
            {
                continue;
            }
            var slot = queue.Dequeue();
            if (queue.Count == 0)
            {
                _queues.Remove(operation);
            }
            Launch(new Attempt(slot.Item!, slot, null), ct);
        }
    }

    private void Launch(Attempt attempt, CancellationToken ct)
    {
        _inFlight.Add(attempt.Item.OperationId);
        var (url, keys, name) = (_definition.Url, _definition.KeysAt(clock.GetUtcNow()), _definition.Name);
        _attempts.RemoveAll(t => t.IsCompleted);
        _attempts.Add(Task.Run(async () =>
        {
            try
            {
                var result = await sender.SendAsync(url, keys, FeedSource.EventId(attempt.Item.Position), FeedSource.Utf8(attempt.Item.Body), name, ct);
                _inbox.Writer.TryWrite(new Attempted(attempt, result));
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Stopping: the item is past no stored checkpoint, so it is attempted again.
            }
            catch (Exception e)
            {
                // Never leave an operation in flight for good: whatever went wrong is a failed attempt.
                _inbox.Writer.TryWrite(new Attempted(attempt, new AttemptResult(false, null, $"the attempt failed: {e.Message}", null)));
            }
        }, CancellationToken.None));
    }

    /// <summary>An attempt ended: count a success, or store the failure (waiting or parked) with the operation's queued items behind it.</summary>
    private async Task FinishAsync(Attempt attempt, AttemptResult result, CancellationToken ct)
    {
        var item = attempt.Item;
        var operation = item.OperationId;
        _inFlight.Remove(operation);
        var now = clock.GetUtcNow();
        if (result.Succeeded)
        {
            if (attempt.Slot is { } slot)
            {
                slot.Done = true;
                _unflushedDelivered++;
                _lastDeliveredAt = now;
            }
            else
            {
                SetHeld(operation, await writes.RecordRetrySuccessAsync(_lease, item, now, ct));
                _nextRescan = now; // the operation's next waiting item is due at once
            }
            MakeReady(operation);
            return;
        }

        var (attempts, first) = attempt.Head is { } head ? (head.Attempts + 1, head.FirstAttemptAt ?? now) : (1, now);
        // 410 Gone disables the subscription; the item waits, due at once, for it to be resumed.
        var next = result.Gone ? now : _definition.Retry.NextAttempt(attempts, first, now, result.RetryAfter, Random.Shared.NextDouble());
        var behind = next is null ? [] : Drain(operation);
        var (stillHeld, status) = await writes.RecordFailureAsync(
            _lease, new FailedAttempt(item, attempts, first, next, result.Status, result.Error ?? "failed"), FeedSource.EventId(item.Position), behind.Select(s => s.Item!).ToList(), result.Gone, now, ct);
        attempt.Slot?.Done = true;
        behind.ForEach(s => s.Done = true);
        SetHeld(operation, stillHeld);
        MakeReady(operation);
        if (next is null)
        {
            WebhookMetrics.Parked(_definition.Name);
            LogParked(logger, _definition.Name, FeedSource.EventId(item.Position), attempts, result.Error ?? "");
        }
        // The operation's next waiting item is due at once after a park; this one when its back-off ends.
        var due = next ?? now;
        if (stillHeld && due < _nextRescan)
        {
            _nextRescan = due;
        }
        if (status != "active")
        {
            if (status == "disabled")
            {
                WebhookMetrics.Disabled(_definition.Name, result.Gone ? "gone" : "failing");
                LogDisabled(logger, _definition.Name, result.Gone ? "the endpoint answered 410 Gone" : "every attempt failed for 24 hours");
            }
            _stop = true;
        }
    }

    /// <summary>
    /// Loads which operations have waiting deliveries and the first due ones. An operation that became held here
    /// (an admin redelivered one of its parked items) moves its queued items behind that item.
    /// </summary>
    private async Task RescanAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var (held, heads) = await writes.PendingAsync(subscriptionId, _inFlight, 2 * WebhookOptions.MaxInFlight, ct);
        var behind = held.Where(o => !_held.Contains(o) && _queues.ContainsKey(o)).SelectMany(Drain).ToList();
        _held = held;
        await HoldAsync(behind, ct);
        _heads = [.. heads];
        _nextRescan = now + RescanInterval;
        foreach (var head in heads.Where(h => h.NextAttemptAt > now && h.NextAttemptAt < _nextRescan))
        {
            _nextRescan = head.NextAttemptAt;
        }
    }

    private async Task HoldAsync(List<Slot> slots, CancellationToken ct)
    {
        if (slots.Count == 0)
        {
            return;
        }
        await writes.HoldAsync(_lease, slots.Select(s => s.Item!).ToList(), clock.GetUtcNow(), ct);
        slots.ForEach(s => s.Done = true);
    }

    /// <summary>Takes the operation's queued items out of the queue (to be stored behind its waiting delivery).</summary>
    private List<Slot> Drain(string operation)
    {
        if (!_queues.Remove(operation, out var queue))
        {
            return [];
        }
        return [.. queue];
    }

    private void SetHeld(string operation, bool held)
    {
        if (held)
        {
            _held.Add(operation);
        }
        else
        {
            _held.Remove(operation);
        }
    }

    private void MakeReady(string operation)
    {
        if (!_inFlight.Contains(operation) && !_held.Contains(operation) && _queues.TryGetValue(operation, out var queue) && queue.Count > 0)
        {
            _ready.Enqueue(operation);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook subscription {Name}: {EventId} parked after {Attempts} attempt(s): {Error}")]
    private static partial void LogParked(ILogger logger, string name, string eventId, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook subscription {Name} is disabled: {Reason}")]
    private static partial void LogDisabled(ILogger logger, string name, string reason);
}
