using Npgsql;
using Reconciler.IntegrationTests.Store;
using Reconciler.Store.Cluster;

namespace Reconciler.IntegrationTests.Cluster;

/// <summary>
/// The lease table and its fence against a real PostgreSQL: who may take a lease and when, epochs, renewal, and
/// the check every holder's write makes — refused after a takeover, holding off a takeover while it runs, and
/// ended by the database when its holder freezes inside the transaction.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class LeaseTableTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);
    private WritePath _path = null!;
    private LeaseTable _leases = null!;

    public async Task InitializeAsync()
    {
        _path = await WritePath.CreateAsync(postgres, nameof(LeaseTableTests));
        _leases = new LeaseTable(_path.Database.DataSource);
    }

    public Task DisposeAsync() => _path.Database.DisposeAsync().AsTask();

    private static string NewLease() => $"job-{Guid.NewGuid():N}";

    [Fact]
    public async Task Given_a_held_lease_when_another_node_asks_then_it_is_refused_until_the_lease_expires_and_then_taken_with_the_next_epoch()
    {
        var lease = NewLease();

        Assert.Equal(1, await _leases.TryAcquireAsync(lease, "a", TimeSpan.FromMilliseconds(400), CancellationToken.None));
        Assert.Null(await _leases.TryAcquireAsync(lease, "b", Long, CancellationToken.None));
        await Task.Delay(500);
        Assert.Equal(2, await _leases.TryAcquireAsync(lease, "b", Long, CancellationToken.None));

        Assert.Empty(await RenewAsync("a", lease, 1));
        Assert.Equal([lease], await RenewAsync("b", lease, 2));
        var row = (await _leases.ListAsync(CancellationToken.None)).Single(l => l.Name == lease);
        Assert.Equal(("b", 2L), (row.Holder, row.Epoch));
    }

    [Fact]
    public async Task Given_a_released_lease_when_another_node_asks_then_it_takes_it_at_once()
    {
        var lease = NewLease();
        await _leases.TryAcquireAsync(lease, "a", Long, CancellationToken.None);

        await _leases.ReleaseAsync("a", [(lease, 1)], CancellationToken.None);

        Assert.Equal(2, await _leases.TryAcquireAsync(lease, "b", Long, CancellationToken.None));
    }

    [Fact]
    public async Task Given_a_lease_taken_over_when_the_former_holder_writes_under_it_then_the_write_is_refused_and_stores_nothing()
    {
        var lease = NewLease();
        await _leases.TryAcquireAsync(lease, "a", TimeSpan.FromMilliseconds(200), CancellationToken.None);
        var formerFence = new LeaseFence(lease, "a", 1, Long);
        var op = $"op-{Guid.NewGuid():N}";
        await _path.SendAsync([WritePath.Signal(op, $"{op}-1", 1)], fence: formerFence);
        await Task.Delay(300);
        await _leases.TryAcquireAsync(lease, "b", Long, CancellationToken.None);

        var refused = await Assert.ThrowsAsync<LeaseLostException>(() => _path.SendAsync([WritePath.Signal(op, $"{op}-2", 2)], fence: formerFence));

        Assert.Equal((lease, 1L), (refused.Lease, refused.Epoch));
        Assert.Contains("now holder b, epoch 2", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1L, await _path.ScalarAsync<long>("SELECT count(*) FROM events WHERE stream_id = $1", op));
        await _path.SendAsync([WritePath.Signal(op, $"{op}-2", 2)], fence: new LeaseFence(lease, "b", 2, Long));
        Assert.Equal(2L, await _path.ScalarAsync<long>("SELECT count(*) FROM events WHERE stream_id = $1", op));
    }

    [Fact]
    public async Task Given_an_expired_lease_nobody_took_when_its_holder_writes_then_the_write_is_refused_until_it_renews()
    {
        var lease = NewLease();
        await _leases.TryAcquireAsync(lease, "a", TimeSpan.FromMilliseconds(200), CancellationToken.None);
        await Task.Delay(300);
        var fence = new LeaseFence(lease, "a", 1, Long);

        await Assert.ThrowsAsync<LeaseLostException>(() => InFencedTransactionAsync(fence, _ => Task.CompletedTask));
        Assert.Equal([lease], await RenewAsync("a", lease, 1));
        await InFencedTransactionAsync(fence, _ => Task.CompletedTask);
    }

    [Fact]
    public async Task Given_a_holder_write_in_flight_when_the_lease_expires_then_no_takeover_happens_until_that_write_ends()
    {
        var lease = NewLease();
        await _leases.TryAcquireAsync(lease, "a", TimeSpan.FromMilliseconds(300), CancellationToken.None);
        var fence = new LeaseFence(lease, "a", 1, Long);

        await InFencedTransactionAsync(fence, async _ =>
        {
            await Task.Delay(500); // the lease expires while this write holds its row
            Assert.Null(await _leases.TryAcquireAsync(lease, "b", Long, CancellationToken.None));
        });

        Assert.Equal(2, await _leases.TryAcquireAsync(lease, "b", Long, CancellationToken.None));
    }

    [Fact]
    public async Task Given_a_holder_frozen_inside_its_write_when_its_idle_limit_passes_then_the_database_ends_that_write_and_the_lease_can_be_taken()
    {
        var lease = NewLease();
        await _leases.TryAcquireAsync(lease, "a", TimeSpan.FromMilliseconds(200), CancellationToken.None);
        var fence = new LeaseFence(lease, "a", 1, TimeSpan.FromMilliseconds(500));
        await using var connection = await _path.Database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await fence.EnsureHeldAsync(connection, transaction, CancellationToken.None);

        Assert.Null(await _leases.TryAcquireAsync(lease, "b", Long, CancellationToken.None)); // expired, but its write holds the row
        await Task.Delay(TimeSpan.FromSeconds(1)); // frozen: no statement for longer than the fence allows

        Assert.Equal(2, await _leases.TryAcquireAsync(lease, "b", Long, CancellationToken.None));
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => transaction.CommitAsync());
    }

    private async Task InFencedTransactionAsync(LeaseFence fence, Func<NpgsqlConnection, Task> write)
    {
        await using var connection = await _path.Database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await fence.EnsureHeldAsync(connection, transaction, CancellationToken.None);
        await write(connection);
        await transaction.CommitAsync();
    }

    private async Task<List<string>> RenewAsync(string holder, string lease, long epoch) =>
        [.. (await new ClusterBeat(_path.Database.DataSource).BeatAsync(holder, Guid.NewGuid(), [(lease, epoch)], TimeSpan.FromSeconds(10), Long, CancellationToken.None)).Renewed];
}
