using Npgsql;

namespace Reconciler.Store.Cluster;

/// <summary>One server process as registered: its name, this run's instance id, where it listens, its heartbeat.</summary>
public sealed record NodeRow(
    string Name, Guid Instance, string? Address, string Host, int Pid, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt, DateTimeOffset? LeftAt,
    DateTimeOffset Now);

/// <summary>A live server already runs under the name this one asked for.</summary>
public sealed class NodeNameInUseException(NodeRow existing)
    : Exception($"Node name '{existing.Name}' is in use by a live server (host {existing.Host}, pid {existing.Pid}, " +
        $"heartbeat {(existing.Now - existing.HeartbeatAt).TotalSeconds:0.0} s ago); start this one with another --node.")
{
    public NodeRow Existing { get; } = existing;
}

/// <summary>
/// The <c>nodes</c> table: every server registers at start, beats its heart while it runs (the lease keeper's
/// renewal round trip), and marks itself gone when it stops cleanly. Times are the database's.
/// </summary>
public sealed class NodeTable(NpgsqlDataSource dataSource)
{
    private const string Columns = "name, instance, address, host, pid, started_at, heartbeat_at, left_at, clock_timestamp()";

    /// <summary>Registers this process under its name; a name whose last heartbeat is younger than <paramref name="staleAfter"/> is refused.</summary>
    public async Task RegisterAsync(string name, Guid instance, string? address, TimeSpan staleAfter, CancellationToken ct)
    {
        const string Sql = """
            INSERT INTO nodes (name, instance, address, host, pid, started_at, heartbeat_at)
            VALUES ($1, $2, $3, $4, $5, clock_timestamp(), clock_timestamp())
            ON CONFLICT (name) DO UPDATE SET instance = excluded.instance, address = excluded.address, host = excluded.host,
                pid = excluded.pid, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, left_at = NULL
            WHERE nodes.left_at IS NOT NULL OR nodes.heartbeat_at < clock_timestamp() - $6
            """;
        // Nodes gone for a day are forgotten: the table lists the cluster, not its history.
        const string ForgetSql = "DELETE FROM nodes WHERE heartbeat_at < clock_timestamp() - interval '1 day'";
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(ForgetSql));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(Sql)
        {
            Parameters =
            {
                LeaseTable.Text(name), new NpgsqlParameter<Guid> { TypedValue = instance },
                new NpgsqlParameter { Value = (object?)address ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
                LeaseTable.Text(Environment.MachineName), new NpgsqlParameter<int> { TypedValue = Environment.ProcessId },
                LeaseTable.Interval(staleAfter),
            },
        });
        await batch.ExecuteNonQueryAsync(ct);
        if (batch.BatchCommands[1].RecordsAffected == 0 && await FindAsync(name, ct) is { } existing)
        {
            throw new NodeNameInUseException(existing);
        }
    }

    /// <summary>The heartbeat, as one command of the keeper's renewal batch: a row back while this instance still owns the name.</summary>
    internal static NpgsqlBatchCommand HeartbeatCommand(string name, Guid instance) =>
        new("UPDATE nodes SET heartbeat_at = clock_timestamp() WHERE name = $1 AND instance = $2 AND left_at IS NULL RETURNING name")
        {
            Parameters = { LeaseTable.Text(name), new NpgsqlParameter<Guid> { TypedValue = instance } },
        };

    /// <summary>How many nodes beat their heart within <paramref name="liveWithin"/>, as one command of the renewal batch.</summary>
    internal static NpgsqlBatchCommand CountLiveCommand(TimeSpan liveWithin) =>
        new("SELECT count(*)::int FROM nodes WHERE left_at IS NULL AND heartbeat_at > clock_timestamp() - $1")
        {
            Parameters = { LeaseTable.Interval(liveWithin) },
        };

    public async Task LeaveAsync(string name, Guid instance, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("UPDATE nodes SET left_at = clock_timestamp() WHERE name = $1 AND instance = $2");
        command.Parameters.Add(LeaseTable.Text(name));
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = instance });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Nodes seen within the last hour (live or not), newest start first.</summary>
    public async Task<IReadOnlyList<NodeRow>> ListAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM nodes WHERE heartbeat_at > clock_timestamp() - interval '1 hour' ORDER BY name");
        return await ReadAsync(command, ct);
    }

    private async Task<NodeRow?> FindAsync(string name, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM nodes WHERE name = $1");
        command.Parameters.Add(LeaseTable.Text(name));
        return (await ReadAsync(command, ct)).FirstOrDefault();
    }

    private static async Task<IReadOnlyList<NodeRow>> ReadAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<NodeRow>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new NodeRow(reader.GetString(0), reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3),
                reader.GetInt32(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6),
                reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7), reader.GetFieldValue<DateTimeOffset>(8)));
        }
        return rows;
    }
}
