using Reconciler.Store;

namespace Reconciler.IntegrationTests;

[Collection(PostgresCollection.Name)]
public sealed class ReceiptTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private EventStore _store = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(ReceiptTests));
        _store = new EventStore(_db.DataSource);
    }

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task Given_a_recorded_receipt_when_finding_it_then_it_comes_back()
    {
        var receipt = new SignalReceipt("psp", "sig-1", "op-1", 42, "sha256:abc");

        var recorded = await _store.RecordReceiptsAsync([receipt]);

        Assert.Equal([new ReceiptRecorded(receipt, true)], recorded);
        Assert.Equal(receipt, await _store.FindReceiptAsync("psp", "sig-1"));
        Assert.Null(await _store.FindReceiptAsync("psp", "sig-2"));
        Assert.Null(await _store.FindReceiptAsync("erp", "sig-1"));
    }

    [Fact]
    public async Task Given_a_recorded_signal_when_recording_it_again_then_the_existing_receipt_is_returned()
    {
        var first = new SignalReceipt("wms", "sig-9", "op-9", 7, "h1");
        await _store.RecordReceiptsAsync([first]);

        var again = await _store.RecordReceiptsAsync(
        [
            new SignalReceipt("wms", "sig-9", "op-other", 99, "h2"),
            new SignalReceipt("wms", "sig-10", "op-9", 8, "h3"),
            new SignalReceipt("wms", "sig-10", "op-9", 8, "h3"),
        ]);

        Assert.Equal(new ReceiptRecorded(first, false), again[0]);
        Assert.True(again[1].IsNew);
        Assert.False(again[2].IsNew);
        Assert.Equal(first, await _store.FindReceiptAsync("wms", "sig-9"));
    }

    [Fact]
    public async Task Given_a_checkpoint_when_saved_twice_then_the_last_cursor_is_loaded()
    {
        Assert.Null(await _store.LoadCheckpointAsync("webhook:a"));

        await _store.SaveCheckpointAsync("webhook:a", new FeedCursor(10, 5));
        await _store.SaveCheckpointAsync("webhook:a", new FeedCursor(12, 3));

        Assert.Equal(new FeedCursor(12, 3), await _store.LoadCheckpointAsync("webhook:a"));
    }
}
