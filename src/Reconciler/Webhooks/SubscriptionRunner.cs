using System.Threading.Channels;
using Reconciler.Cluster;
using Reconciler.Store;
using Reconciler.Store.Cluster;
using Reconciler.Store.Webhooks;

namespace Reconciler.Webhooks;

/// <summary>
/// Delivers one subscription while this server holds its lease. A reader task walks the feed from the
/// checkpoint and posts pages; one loop owns all state and handles pages, finished attempts and wake-ups in turn:
/// <list type="bullet">
/// <item>matching items queue per operation; up to <see cref="WebhookOptions.MaxInFlight"/> operations have an
/// attempt in flight, one item each, so an operation's items go out in commit order and a slow one delays only itself;</item>
/// <item>a failed item is stored in <c>webhook_deliveries</c> with its next attempt time, and the later items of its
/// operation are stored behind it (<i>held</i>); other operations keep flowing; held rows go out in version order,
/// ahead of new items, when they are due;</item>
/// <item>the checkpoint moves past an item once it was delivered or stored, so a kill loses nothing: what was
/// delivered after the last checkpoint write is delivered again, with the same webhook-id.</item>
/// </list>
/// </summary>
public sealed partial class SubscriptionRunner(
    int subscriptionId, HeldLease lease, FeedSource feed, DeliveryTable writes, SecretBox secrets, WebhookSender sender, WebhookAlarm alarm, TimeProvider clock, ILogger logger)
{
    private const int PageSize = 200;
    private const int MaxWindow = 2_000;
    private static readonly TimeSpan ReadWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RescanInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan LagInterval = TimeSpan.FromSeconds(5);

    private readonly SubscriptionLease _lease = new(subscriptionId, lease.Fence);
    private readonly Channel<object> _inbox = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _readPermit = new(1, 1);
    private readonly List<Task> _attempts = [];

    // Read items in feed order; the checkpoint moves over the done ones at the front.
    private readonly Queue<Slot> _window = new();
    private readonly Dictionary<string, Queue<Slot>> _queues = new(StringComparer.Ordinal);
    private readonly Queue<string> _ready = new();
    private readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);
    private HashSet<string> _held = new(StringComparer.Ordinal);
    private List<PendingHead> _heads = [];

    private SubscriptionDefinition _definition = null!;
    private volatile IReadOnlyList<string>? _readTypes;
    private FeedCursor _checkpoint, _readCursor, _flushed;
    private long _unflushedDelivered, _changesSeen;
    private DateTimeOffset? _lastDeliveredAt;
    private DateTimeOffset _lastFlush, _nextRescan, _nextLag;
    private bool _readerOwed, _stop;

    public int SubscriptionId => subscriptionId;
    public HeldLease Lease => lease;
    public string Name => _definition?.Name ?? subscriptionId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An admin changed the subscription: load it again (and its waiting deliveries) before the next attempt.</summary>
    public void RequestReload() => _inbox.Writer.TryWrite(new Wake());

    private sealed class Slot(FeedCursor cursor, DeliveryItem? item)
    {
        public FeedCursor Cursor { get; } = cursor;
        public DeliveryItem? Item { get; } = item;
        public bool Done { get; set; } = item is null;
    }

    private sealed record PageRead(FeedPage Page);
    private sealed record Attempt(DeliveryItem Item, Slot? Slot, PendingHead? Head);
    private sealed record Attempted(Attempt Attempt, AttemptResult Result);
    private sealed record Wake;
    private sealed record ReaderFailed(Exception Error);

    /// <summary>Delivers until cancelled, the lease is lost, or the subscription stops being active.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct))
        {
            return;
        }
        _checkpoint = _readCursor = _flushed = _definition.Checkpoint;
        LogDelivering(logger, _definition.Name, _checkpoint.Encode());
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reader = Task.Run(() => ReadLoopAsync(_checkpoint, stop.Token), CancellationToken.None);
        try
        {
            await RescanAsync(ct);
            while (!_stop)
            {
                if (alarm.Changes != _changesSeen)
                {
                    await ReloadAsync(ct);
                    continue;
                }
                Dispatch(stop.Token);
                await FlushAsync(force: false, ct);
                await MeasureLagAsync(ct);
                var message = await NextMessageAsync(ct);
                while (message is not null && !_stop)
                {
                    await HandleAsync(message, ct);
                    message = _inbox.Reader.TryRead(out var more) ? more : null;
                }
                Advance();
                if (!_stop && clock.GetUtcNow() >= _nextRescan)
                {
                    await RescanAsync(ct);
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(_attempts.Append(reader)).ContinueWith(_ => { }, TaskScheduler.Default);
            Advance();
            try
            {
                await FlushAsync(force: true, CancellationToken.None);
            }
            catch (Exception e) when (e is LeaseLostException or Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // Delivered items past the stored checkpoint are delivered again by whoever goes on.
            }
            WebhookMetrics.Forget(Name);
        }
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        _changesSeen = alarm.Changes;
        SubscriptionDefinition? definition;
        try
        {
            definition = await writes.LoadAsync(subscriptionId, ct) is { } stored ? SubscriptionDefinition.Open(stored, secrets) : null;
        }
        catch (SecretUnreadableException e)
        {
            LogUnreadable(logger, subscriptionId, e.Message);
            await writes.RecordProblemAsync(subscriptionId, $"cannot sign: {e.Message}", clock.GetUtcNow(), ct);
            throw;
        }
        if (definition is null || definition.Status != "active")
        {
            _stop = true;
            return false;
        }
        _definition = definition;
        _readTypes = definition.ReadTypes;
        return true;
    }

    private async Task<object?> NextMessageAsync(CancellationToken ct)
    {
        if (_inbox.Reader.TryRead(out var ready))
        {
            return ready;
        }
        var now = clock.GetUtcNow();
        var wake = _nextRescan < _nextLag ? _nextRescan : _nextLag;
        if (_checkpoint != _flushed || _unflushedDelivered > 0)
        {
            var flushAt = _lastFlush + FlushInterval;
            wake = flushAt < wake ? flushAt : wake;
        }
        var wait = wake - now;
        if (wait <= TimeSpan.Zero)
        {
            return null;
        }
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timer.CancelAfter(wait);
        try
        {
            return await _inbox.Reader.ReadAsync(timer.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private Task HandleAsync(object message, CancellationToken ct) => message switch
    {
        PageRead page => AcceptAsync(page.Page, ct),
        Attempted done => FinishAsync(done.Attempt, done.Result, ct),
        Wake => ReloadAsync(ct),
        ReaderFailed failed => Task.FromException(new InvalidOperationException($"reading the feed for '{Name}' failed: {failed.Error.Message}", failed.Error)),
        _ => Task.CompletedTask,
    };

    private async Task ReloadAsync(CancellationToken ct)
    {
        if (await LoadAsync(ct))
        {
            await RescanAsync(ct);
        }
    }

    /// <summary>The reader: one page at a time, the next only when the loop has room for it.</summary>
    private async Task ReadLoopAsync(FeedCursor after, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await _readPermit.WaitAsync(ct);
                var page = await feed.ReadAsync(after, PageSize, _readTypes, ReadWait, ct);
                after = page.Next;
                _inbox.Writer.TryWrite(new PageRead(page));
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _inbox.Writer.TryWrite(new ReaderFailed(e));
        }
    }

    /// <summary>Moves the checkpoint over the done items at the front of the window; lets the reader go on when there is room.</summary>
    private void Advance()
    {
        while (_window.TryPeek(out var slot) && slot.Done)
        {
            _window.Dequeue();
            _checkpoint = slot.Cursor;
        }
        if (_window.Count == 0 && _readCursor > _checkpoint)
        {
            _checkpoint = _readCursor;
        }
        if (_readerOwed && _window.Count < MaxWindow)
        {
            _readerOwed = false;
            _readPermit.Release();
        }
    }

    private async Task FlushAsync(bool force, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if ((_checkpoint == _flushed && _unflushedDelivered == 0) || (!force && now < _lastFlush + FlushInterval))
        {
            return;
        }
        await writes.FlushAsync(_lease, _checkpoint, _unflushedDelivered, _lastDeliveredAt, ct);
        (_flushed, _unflushedDelivered, _lastDeliveredAt, _lastFlush) = (_checkpoint, 0, null, now);
    }

    private async Task MeasureLagAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (now < _nextLag)
        {
            return;
        }
        _nextLag = now + LagInterval;
        var (events, oldest) = await feed.BacklogAsync(_checkpoint, _definition.Types, _definition.OperationTypes, ct);
        WebhookMetrics.Lag(Name, events, oldest is { } o && now > o ? (now - o).TotalSeconds : 0);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivering webhook subscription {Name} from checkpoint {Checkpoint}")]
    private static partial void LogDelivering(ILogger logger, string name, string checkpoint);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook subscription {Id} cannot be delivered: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, int id, string reason);
}
