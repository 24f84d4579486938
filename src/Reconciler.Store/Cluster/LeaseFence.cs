using Npgsql;

namespace Reconciler.Store.Cluster;

/// <summary>
/// What a lease holder proves in every write it makes: it still holds <see cref="Lease"/> at
/// <see cref="Epoch"/>. <see cref="Command"/> is the check (the <c>check_lease</c> function), to run first in
/// the writing transaction; when it fails the transaction aborts and <see cref="Translate"/> turns the error
/// into a <see cref="LeaseLostException"/>.
/// </summary>
public sealed record LeaseFence(string Lease, string Holder, long Epoch, TimeSpan MaxIdle)
{
    /// <summary>The SQLSTATE <c>check_lease</c> raises (migration 0011).</summary>
    public const string LostSqlState = "RL001";

    public NpgsqlBatchCommand Command()
    {
        var command = new NpgsqlBatchCommand("SELECT check_lease($1, $2, $3, $4)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Lease });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Holder });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Epoch });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)MaxIdle.TotalMilliseconds });
        return command;
    }

    /// <summary>Runs the check alone, on the writing transaction.</summary>
    public async Task EnsureHeldAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { Command() } };
        try
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (Translate(e) is { } lost)
        {
            throw lost;
        }
    }

    /// <summary>The lease-lost exception for a failed check, or null for any other error.</summary>
    public LeaseLostException? Translate(PostgresException e) =>
        e.SqlState == LostSqlState ? new LeaseLostException(Lease, Epoch, e.MessageText) : null;
}

/// <summary>A write was refused because its lease was taken over (or expired): the holder must stop that job.</summary>
public sealed class LeaseLostException(string lease, long epoch, string databaseSays)
    : Exception(databaseSays)
{
    public string Lease { get; } = lease;
    public long Epoch { get; } = epoch;
}
