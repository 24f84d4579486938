using Npgsql;
using NpgsqlTypes;

namespace Reconciler.Store.Cluster;

/// <summary>A lease row as stored: who holds it, under which epoch, until when (database time).</summary>
public sealed record LeaseRow(string Name, string? Holder, long Epoch, DateTimeOffset? AcquiredAt, DateTimeOffset? ExpiresAt);

/// <summary>
/// The <c>leases</c> table. A lease is taken when free or expired, its epoch going up by one; the holder keeps
/// it by renewing (same epoch) and gives it back when it stops. Expiry is judged by the database's clock only,
/// so servers with skewed clocks agree on it.
/// </summary>
public sealed class LeaseTable(NpgsqlDataSource dataSource)
{
    // FOR UPDATE SKIP LOCKED: a row that a holder's write has locked (check_lease) is not taken from under
    // that write; the next attempt, a moment later, finds it free.
    private const string AcquireSql = """
        UPDATE leases SET holder = $2, epoch = epoch + 1, acquired_at = clock_timestamp(), expires_at = clock_timestamp() + $3
        WHERE name = (SELECT name FROM leases WHERE name = $1 AND (holder IS NULL OR expires_at <= clock_timestamp()) FOR UPDATE SKIP LOCKED)
        RETURNING epoch
        """;

    /// <summary>Takes <paramref name="lease"/> for <paramref name="holder"/> when nobody holds it; its new epoch, or null.</summary>
    public async Task<long?> TryAcquireAsync(string lease, string holder, TimeSpan ttl, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("INSERT INTO leases (name) VALUES ($1) ON CONFLICT DO NOTHING") { Parameters = { Text(lease) } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(AcquireSql) { Parameters = { Text(lease), Text(holder), Interval(ttl) } });
        return await batch.ExecuteScalarAsync(ct) is long epoch ? epoch : null;
    }

    /// <summary>
    /// Moves the expiry of every lease <paramref name="holder"/> still holds at the given epochs; returns the names renewed.
    /// A lease that expired but was not taken is renewed too: no other epoch came between, and the fence refused
    /// every write in the gap.
    /// </summary>
    internal static NpgsqlBatchCommand RenewCommand(string holder, IReadOnlyCollection<(string Name, long Epoch)> held, TimeSpan ttl) =>
        new("""
            UPDATE leases l SET expires_at = clock_timestamp() + $2
            FROM unnest($3::text[], $4::bigint[]) AS h(name, epoch)
            WHERE l.name = h.name AND l.epoch = h.epoch AND l.holder = $1
            RETURNING l.name
            """)
        {
            Parameters =
            {
                Text(holder), Interval(ttl),
                new NpgsqlParameter<string[]> { TypedValue = held.Select(h => h.Name).ToArray() },
                new NpgsqlParameter<long[]> { TypedValue = held.Select(h => h.Epoch).ToArray() },
            },
        };

    /// <summary>Gives leases back (a clean stop, or a job handed to another node): free at once for whoever asks next.</summary>
    public async Task ReleaseAsync(string holder, IReadOnlyCollection<(string Name, long Epoch)> held, CancellationToken ct)
    {
        if (held.Count == 0)
        {
            return;
        }
        const string Sql = """
            UPDATE leases l SET holder = NULL, expires_at = clock_timestamp()
            FROM unnest($2::text[], $3::bigint[]) AS h(name, epoch)
            WHERE l.name = h.name AND l.epoch = h.epoch AND l.holder = $1
            """;
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(Text(holder));
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = held.Select(h => h.Name).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = held.Select(h => h.Epoch).ToArray() });
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<LeaseRow>> ListAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT name, holder, epoch, acquired_at, expires_at FROM leases ORDER BY name");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<LeaseRow>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new LeaseRow(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4)));
        }
        return rows;
    }

    internal static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value };

    internal static NpgsqlParameter<TimeSpan> Interval(TimeSpan value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Interval };
}
