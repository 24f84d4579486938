using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Reconciler.Store;

namespace Reconciler.Webhooks;

/// <summary>The right of this process to deliver one subscription now. Every delivery write re-checks it (<see cref="SubscriptionLeases.EnsureHeldAsync"/>).</summary>
public sealed record SubscriptionLease(int SubscriptionId, int LockClass, int HolderPid);

/// <summary>The delivering process lost a subscription's lease; it stops delivering it.</summary>
public sealed class LeaseLostException(int subscriptionId)
    : Exception($"This server no longer holds the lease of webhook subscription {subscriptionId}; another server may deliver it now.");

/// <summary>
/// The one place that decides "this process may deliver subscription X now" — the seam the cluster leases
/// (named nodes, 5-second takeover) will replace. Today: a session advisory lock per subscription, key
/// (class of this schema, subscription id), all held on one dedicated connection of this process; when that
/// connection dies every lock goes with it and another server's try-lock succeeds. Each delivery write runs in
/// a transaction that first checks, in pg_locks, that this connection's backend still holds the lock, so a
/// process that lost it cannot move a checkpoint or record an attempt (a lease table with a fencing token
/// would replace that check).
/// </summary>
public sealed class SubscriptionLeases(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly int _lockClass = LockClassOf(StoreDataSource.SchemaOf(dataSource));
    private NpgsqlConnection? _connection;

    /// <summary>The lease, or null when another process holds it.</summary>
    public async Task<SubscriptionLease?> TryAcquireAsync(int subscriptionId, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (_connection is null)
            {
                _connection = await dataSource.OpenConnectionAsync(ct);
            }
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1, $2)", _connection);
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = _lockClass });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = subscriptionId });
            return await command.ExecuteScalarAsync(ct) is true ? new SubscriptionLease(subscriptionId, _lockClass, _connection.ProcessID) : null;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
        {
            await DropAsync();
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task ReleaseAsync(SubscriptionLease lease)
    {
        await _gate.WaitAsync();
        try
        {
            if (_connection is null || _connection.ProcessID != lease.HolderPid)
            {
                return; // that session is gone, and its locks with it
            }
            await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1, $2)", _connection);
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = lease.LockClass });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = lease.SubscriptionId });
            await command.ExecuteScalarAsync();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
        {
            await DropAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>True while the lock connection answers; false when it died (every lease of this process is lost).</summary>
    public async Task<bool> IsAliveAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (_connection is null)
            {
                return false;
            }
            await using var ping = new NpgsqlCommand("SELECT 1", _connection);
            await ping.ExecuteScalarAsync(ct);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException or InvalidOperationException)
        {
            await DropAsync();
            return false;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The first statement of every delivery write: throws <see cref="LeaseLostException"/> unless the lease's
    /// session still holds the lock. Runs on the write's own connection and transaction.
    /// </summary>
    public static async Task EnsureHeldAsync(SubscriptionLease lease, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        const string Sql = """
            SELECT EXISTS (
                SELECT 1 FROM pg_locks
                WHERE locktype = 'advisory' AND granted AND objsubid = 2
                  AND classid::bigint = $1 AND objid::bigint = $2 AND pid = $3
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))
            """;
        await using var command = new NpgsqlCommand(Sql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = lease.LockClass });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = lease.SubscriptionId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = lease.HolderPid });
        if (await command.ExecuteScalarAsync(ct) is not true)
        {
            throw new LeaseLostException(lease.SubscriptionId);
        }
    }

    /// <summary>A positive 31-bit advisory-lock class per schema, so servers of several schemas in one database do not collide.</summary>
    private static int LockClassOf(string schema) =>
        (int)(BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes("reconciler webhooks " + schema)), 0) & 0x7FFF_FFFF);

    /// <summary>Closes the lock connection, releasing every lock first: a pooled connection must not keep them.</summary>
    private async Task DropAsync()
    {
        if (_connection is null)
        {
            return;
        }
        try
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", _connection) { CommandTimeout = 5 };
            await unlock.ExecuteScalarAsync();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException or InvalidOperationException)
        {
            // The session may still be alive, locks and all: make the pool close it instead of keeping it idle.
            NpgsqlConnection.ClearPool(_connection);
        }
        await _connection.DisposeAsync();
        _connection = null;
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            await DropAsync();
        }
        finally
        {
            _gate.Release();
        }
    }
}
