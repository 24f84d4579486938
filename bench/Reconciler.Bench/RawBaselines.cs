using Npgsql;
using NpgsqlTypes;

namespace Reconciler.Bench;

/// <summary>
/// What raw PostgreSQL does with the same rows, for benchmarks to quote ratios against: binary COPY and
/// single-row INSERT transactions into a table created <c>LIKE events INCLUDING ALL</c> (same columns,
/// defaults, keys and indexes), so a ratio is the cost of our own work on top.
/// </summary>
public static class RawBaselines
{
    public const string Table = "baseline_events";

    public static async Task CreateTableAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"DROP TABLE IF EXISTS {Table}; CREATE TABLE {Table} (LIKE events INCLUDING ALL)");
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Binary COPY of <paramref name="rows"/> event rows, <paramref name="rowsPerTransaction"/> per COPY, from <paramref name="writers"/> connections at once.</summary>
    public static Task CopyAsync(NpgsqlDataSource dataSource, int rows, int rowsPerTransaction, int writers, string data, string metadata, CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, writers).Select(async writer =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            var mine = rows / writers + (writer < rows % writers ? 1 : 0);
            for (var done = 0; done < mine; done += rowsPerTransaction)
            {
                await using var importer = await connection.BeginBinaryImportAsync(
                    $"COPY {Table} (stream_id, version, type, data, metadata) FROM STDIN (FORMAT BINARY)", ct);
                var stream = $"copy-{writer}-{Guid.NewGuid():N}";
                for (var i = 0; i < Math.Min(rowsPerTransaction, mine - done); i++)
                {
                    await importer.StartRowAsync(ct);
                    await importer.WriteAsync(stream, NpgsqlDbType.Text, ct);
                    await importer.WriteAsync((long)i + 1, NpgsqlDbType.Bigint, ct);
                    await importer.WriteAsync("SignalReceived", NpgsqlDbType.Text, ct);
                    await importer.WriteAsync(data, NpgsqlDbType.Json, ct);
                    await importer.WriteAsync(metadata, NpgsqlDbType.Json, ct);
                }
                await importer.CompleteAsync(ct);
            }
        }));

    /// <summary>
    /// <paramref name="rows"/> single-row INSERT transactions from <paramref name="writers"/> connections at once;
    /// returns each transaction's latency in milliseconds.
    /// </summary>
    public static async Task<List<double>> InsertSinglesAsync(NpgsqlDataSource dataSource, int rows, int writers, string data, string metadata, CancellationToken ct)
    {
        var latencies = await Task.WhenAll(Enumerable.Range(0, writers).Select(async writer =>
        {
            var mine = new List<double>();
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var insert = new NpgsqlCommand(
                $"INSERT INTO {Table} (stream_id, version, type, data, metadata) VALUES ($1, 1, 'SignalReceived', $2::json, $3::json)", connection);
            insert.Parameters.Add(new NpgsqlParameter<string>());
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = data });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = metadata });
            await insert.PrepareAsync(ct);
            for (var i = writer; i < rows; i += writers)
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                ((NpgsqlParameter<string>)insert.Parameters[0]).TypedValue = $"single-{Guid.NewGuid():N}";
                await insert.ExecuteNonQueryAsync(ct);
                mine.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            return mine;
        }));
        return latencies.SelectMany(l => l).ToList();
    }
}
