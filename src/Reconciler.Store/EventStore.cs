using Npgsql;
using NpgsqlTypes;
using Reconciler.Store.Replicas;

namespace Reconciler.Store;

/// <summary>
/// The PostgreSQL event store's reads: a stream's events and head, the gap-free feed, named checkpoints.
/// Writes go through the one write path, <see cref="Writing.OperationWriter"/>. Reads are in EventStore.Read.cs.
/// </summary>
public sealed partial class EventStore(ReadSource reads)
{
    /// <summary>Where this store's reads run: the request's replica when it was routed to one, else the primary.</summary>
    public NpgsqlDataSource DataSource => reads.DataSource;

    /// <summary>Saves a named reader's cursor (in the caller's transaction when given, so delivery bookkeeping and the checkpoint move together).</summary>
    public async Task SaveCheckpointAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string name, FeedCursor cursor, CancellationToken ct = default)
    {
        const string Sql = """
            INSERT INTO checkpoints (name, transaction_id, position) VALUES ($1, $2, $3)
            ON CONFLICT (name) DO UPDATE SET transaction_id = EXCLUDED.transaction_id, position = EXCLUDED.position, updated_at = now()
            """;
        await using var command = new NpgsqlCommand(Sql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter<ulong> { TypedValue = cursor.TransactionId, NpgsqlDbType = NpgsqlDbType.Xid8 });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = cursor.Position });
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public async Task SaveCheckpointAsync(string name, FeedCursor cursor, CancellationToken ct = default)
    {
        await using var connection = await reads.Primary.OpenConnectionAsync(ct).ConfigureAwait(false);
        await SaveCheckpointAsync(connection, null, name, cursor, ct).ConfigureAwait(false);
    }

    public async Task<FeedCursor?> LoadCheckpointAsync(string name, CancellationToken ct = default)
    {
        // A reader's own bookmark, read where it is written.
        await using var command = reads.Primary.CreateCommand("SELECT transaction_id, position FROM checkpoints WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? new FeedCursor(reader.GetFieldValue<ulong>(0), reader.GetInt64(1)) : null;
    }
}
