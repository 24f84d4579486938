using Npgsql;
using NpgsqlTypes;

namespace Reconciler.Store;

public sealed partial class EventStore
{
    /// <summary>
    /// Records receipts with INSERT … ON CONFLICT DO NOTHING inside the caller's transaction (the one
    /// that appended the events they point to). For a signal already recorded (by anyone, even
    /// concurrently) the stored receipt comes back with <see cref="ReceiptRecorded.IsNew"/> false.
    /// Results are in input order.
    /// </summary>
    public async Task<IReadOnlyList<ReceiptRecorded>> RecordReceiptsAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<SignalReceipt> receipts, CancellationToken ct = default)
    {
        const string Insert = """
            INSERT INTO signal_receipts (source, signal_id, operation_id, position, content_hash)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[])
            ON CONFLICT (source, signal_id) DO NOTHING
            RETURNING source, signal_id
            """;
        if (receipts.Count == 0)
        {
            return [];
        }
        var inserted = new HashSet<(string, string)>();
        await using (var command = new NpgsqlCommand(Insert, connection, transaction))
        {
            AddArray(command, receipts.Select(r => r.Source));
            AddArray(command, receipts.Select(r => r.SignalId));
            AddArray(command, receipts.Select(r => r.OperationId));
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = receipts.Select(r => r.Position).ToArray() });
            AddArray(command, receipts.Select(r => r.ContentHash));
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                inserted.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        var results = new ReceiptRecorded[receipts.Count];
        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < receipts.Count; i++)
        {
            var key = (receipts[i].Source, receipts[i].SignalId);
            // A key repeated in the input is new only the first time.
            if (inserted.Contains(key) && seen.Add(key))
            {
                results[i] = new ReceiptRecorded(receipts[i], IsNew: true);
            }
            else if (inserted.Contains(key))
            {
                results[i] = new ReceiptRecorded(receipts.First(r => (r.Source, r.SignalId) == key), IsNew: false);
            }
            else
            {
                var stored = await FindReceiptAsync(connection, transaction, key.Source, key.SignalId, ct).ConfigureAwait(false);
                results[i] = new ReceiptRecorded(stored ?? receipts[i], IsNew: false);
            }
        }
        return results;
    }

    /// <summary>Records receipts in a transaction of their own.</summary>
    public async Task<IReadOnlyList<ReceiptRecorded>> RecordReceiptsAsync(IReadOnlyList<SignalReceipt> receipts, CancellationToken ct = default)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        var results = await RecordReceiptsAsync(connection, transaction, receipts, ct).ConfigureAwait(false);
        await transaction.CommitAsync(ct).ConfigureAwait(false);
        return results;
    }

    public async Task<SignalReceipt?> FindReceiptAsync(string source, string signalId, CancellationToken ct = default)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await FindReceiptAsync(connection, null, source, signalId, ct).ConfigureAwait(false);
    }

    public async Task<SignalReceipt?> FindReceiptAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string source, string signalId, CancellationToken ct = default)
    {
        const string Sql = "SELECT operation_id, position, content_hash FROM signal_receipts WHERE source = $1 AND signal_id = $2";
        await using var command = new NpgsqlCommand(Sql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = source });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = signalId });
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false)
            ? new SignalReceipt(source, signalId, reader.GetString(0), reader.GetInt64(1), reader.GetString(2))
            : null;
    }

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
        await using var connection = await DataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await SaveCheckpointAsync(connection, null, name, cursor, ct).ConfigureAwait(false);
    }

    public async Task<FeedCursor?> LoadCheckpointAsync(string name, CancellationToken ct = default)
    {
        await using var command = DataSource.CreateCommand("SELECT transaction_id, position FROM checkpoints WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? new FeedCursor(reader.GetFieldValue<ulong>(0), reader.GetInt64(1)) : null;
    }

    private static void AddArray(NpgsqlCommand command, IEnumerable<string> values) =>
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
}
