using Npgsql;
using NpgsqlTypes;

namespace Reconciler.Store.Inbound;

/// <summary>One import as stored: its summary is the JSON the import answered (the executable owns its shape).</summary>
public sealed record ImportRow(long ImportId, string Source, int MappingVersion, string Status, string StartedBy, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string Summary);

/// <summary><c>inbound_imports</c>: each statement or settlement file imported, with its summary.</summary>
public sealed class InboundImportTable(NpgsqlDataSource dataSource)
{
    private const string Columns = "import_id, source, mapping_version, status, started_by, started_at, finished_at, summary::text";

    public async Task<long> StartAsync(string source, int mappingVersion, string startedBy, string summary, CancellationToken ct)
    {
        const string Sql = """
            INSERT INTO inbound_imports (source, mapping_version, status, started_by, summary)
            VALUES ($1, $2, 'running', $3, $4) RETURNING import_id
            """;
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(InboundMappingTable.Text(source));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = mappingVersion });
        command.Parameters.Add(InboundMappingTable.Text(startedBy));
        command.Parameters.Add(new NpgsqlParameter { Value = summary, NpgsqlDbType = NpgsqlDbType.Json });
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Stores the summary so far (<paramref name="finished"/>: and the end time); runs with the caller's token off so that an abort is still recorded.</summary>
    public async Task UpdateAsync(long importId, string status, string summary, bool finished, CancellationToken ct)
    {
        const string Sql = "UPDATE inbound_imports SET status = $2, summary = $3, finished_at = CASE WHEN $4 THEN now() END WHERE import_id = $1";
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = importId });
        command.Parameters.Add(InboundMappingTable.Text(status));
        command.Parameters.Add(new NpgsqlParameter { Value = summary, NpgsqlDbType = NpgsqlDbType.Json });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = finished });
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<ImportRow?> GetAsync(string source, long importId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM inbound_imports WHERE source = $1 AND import_id = $2");
        command.Parameters.Add(InboundMappingTable.Text(source));
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = importId });
        return (await ReadAsync(command, ct)).FirstOrDefault();
    }

    /// <summary>A source's imports, newest first.</summary>
    public async Task<IReadOnlyList<ImportRow>> ListAsync(string source, int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM inbound_imports WHERE source = $1 ORDER BY import_id DESC LIMIT $2");
        command.Parameters.Add(InboundMappingTable.Text(source));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await ReadAsync(command, ct);
    }

    private static async Task<IReadOnlyList<ImportRow>> ReadAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<ImportRow>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new ImportRow(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6), reader.GetString(7)));
        }
        return rows;
    }
}
