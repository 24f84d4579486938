using Npgsql;
using NpgsqlTypes;
using static Reconciler.Store.Sql.DbParameters;

namespace Reconciler.Store.Inbound;

/// <summary>The statuses of a delivery row.</summary>
public static class DeliveryStatus
{
    /// <summary>Stored, its signals not yet committed (a server that died here left it so; the system sends it again).</summary>
    public const string Received = "received";
    public const string Ingested = "ingested";
    /// <summary>Kept whole because no rule mapped it, its mapping failed or a signal was rejected; a replay may map it.</summary>
    public const string Quarantined = "quarantined";
    /// <summary>Was quarantined; a replay under a newer mapping ingested it.</summary>
    public const string Replayed = "replayed";
}

/// <summary>One delivery as stored. <see cref="Payload"/> is whole while quarantined, else its first <see cref="InboundDeliveryTable.PreviewBytes"/> bytes.</summary>
public sealed record DeliveryRow(
    long DeliveryId, string Source, DateTimeOffset ReceivedAt, int MappingVersion, string Status, string? ContentType,
    byte[] Payload, int PayloadBytes, int Signals, string? Reason, string? Field, int Replays, DateTimeOffset UpdatedAt);

/// <summary>
/// <c>inbound_deliveries</c>: what each source delivered and what became of it. The quarantine is the rows whose status is
/// quarantined; rows of ingested deliveries keep only a preview, and only the newest <see cref="KeptPerSource"/> per source.
/// </summary>
public sealed class InboundDeliveryTable(NpgsqlDataSource dataSource)
{
    public const int PreviewBytes = 4096;
    public const int KeptPerSource = 1000;

    private const string Columns =
        "delivery_id, source, received_at, mapping_version, status, content_type, payload, payload_bytes, signals, reason, field, replays, updated_at";

    /// <summary>Stores a delivery as it arrived, before its signals are ingested (so that their metadata can name it).</summary>
    public async Task<long> InsertAsync(string source, int mappingVersion, string status, string? contentType, ReadOnlyMemory<byte> payload,
        string? reason, string? field, CancellationToken ct)
    {
        const string Sql = """
            INSERT INTO inbound_deliveries (source, mapping_version, status, content_type, payload, payload_bytes, reason, field)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING delivery_id
            """;
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(InboundMappingTable.Text(source));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = mappingVersion });
        command.Parameters.Add(InboundMappingTable.Text(status));
        command.Parameters.Add(Text(contentType));
        command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = payload, NpgsqlDbType = NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = payload.Length });
        command.Parameters.Add(Text(reason));
        command.Parameters.Add(Text(field));
        var id = (long)(await command.ExecuteScalarAsync(ct))!;
        if (id % 256 == 0)
        {
            await PruneAsync(source, ct);
        }
        return id;
    }

    /// <summary>
    /// Records what became of a delivery: ingested (only a preview of its payload is kept from then on) or quarantined
    /// with the reason; a replay counts. <paramref name="mappingVersion"/> is the version that judged it last.
    /// </summary>
    public async Task SettleAsync(long deliveryId, string status, int mappingVersion, int signals, string? reason, string? field, bool replay, CancellationToken ct)
    {
        const string Sql = """
            UPDATE inbound_deliveries SET status = $2, mapping_version = $3, signals = $4, reason = $5, field = $6,
                replays = replays + $7, updated_at = now(),
                payload = CASE WHEN $2 = 'quarantined' THEN payload ELSE substring(payload FROM 1 FOR $8) END
            WHERE delivery_id = $1
            """;
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = deliveryId });
        command.Parameters.Add(InboundMappingTable.Text(status));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = mappingVersion });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = signals });
        command.Parameters.Add(Text(reason));
        command.Parameters.Add(Text(field));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = replay ? 1 : 0 });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = PreviewBytes });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Quarantined deliveries of a source after <paramref name="afterId"/>, oldest first (a walk with a cursor).</summary>
    public Task<IReadOnlyList<DeliveryRow>> QuarantinedAsync(string source, long afterId, int limit, CancellationToken ct) =>
        ListAsync($"SELECT {Columns} FROM inbound_deliveries WHERE source = $1 AND status = 'quarantined' AND delivery_id > $2 ORDER BY delivery_id LIMIT $3",
            source, afterId, limit, ct);

    /// <summary>The quarantined deliveries named (all when <paramref name="ids"/> is null), oldest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<DeliveryRow>> QuarantinedAsync(string source, IReadOnlyList<long>? ids, int limit, CancellationToken ct)
    {
        var sql = $"SELECT {Columns} FROM inbound_deliveries WHERE source = $1 AND status = 'quarantined' AND ($2::bigint[] IS NULL OR delivery_id = ANY($2)) ORDER BY delivery_id LIMIT $3";
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(InboundMappingTable.Text(source));
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)ids?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await ReadAsync(command, ct);
    }

    /// <summary>How many deliveries of a source wait in quarantine.</summary>
    public async Task<long> QuarantineCountAsync(string source, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM inbound_deliveries WHERE source = $1 AND status = 'quarantined'");
        command.Parameters.Add(InboundMappingTable.Text(source));
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The newest deliveries of a source, newest first.</summary>
    public Task<IReadOnlyList<DeliveryRow>> RecentAsync(string source, int limit, CancellationToken ct) =>
        ListAsync($"SELECT {Columns} FROM inbound_deliveries WHERE source = $1 AND delivery_id > $2 ORDER BY delivery_id DESC LIMIT $3", source, 0, limit, ct);

    /// <summary>Forgets ingested and replayed rows beyond the newest <see cref="KeptPerSource"/> of the source; quarantined rows stay.</summary>
    private async Task PruneAsync(string source, CancellationToken ct)
    {
        const string Sql = """
            DELETE FROM inbound_deliveries WHERE source = $1 AND status IN ('ingested', 'replayed') AND delivery_id <
                (SELECT delivery_id FROM inbound_deliveries WHERE source = $1 AND status IN ('ingested', 'replayed')
                 ORDER BY delivery_id DESC OFFSET $2 LIMIT 1)
            """;
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(InboundMappingTable.Text(source));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = KeptPerSource });
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<IReadOnlyList<DeliveryRow>> ListAsync(string sql, string source, long after, int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(InboundMappingTable.Text(source));
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await ReadAsync(command, ct);
    }

    private static async Task<IReadOnlyList<DeliveryRow>> ReadAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<DeliveryRow>();
        while (await reader.ReadAsync(ct))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            rows.Add(new DeliveryRow(
                reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetInt32(3), reader.GetString(4), Text(5),
                reader.GetFieldValue<byte[]>(6), reader.GetInt32(7), reader.GetInt32(8), Text(9), Text(10), reader.GetInt32(11), reader.GetFieldValue<DateTimeOffset>(12)));
        }
        return rows;
    }
}
