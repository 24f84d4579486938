using System.Collections.Immutable;
using Npgsql;
using Reconciler.Store.Replicas;
using Reconciler.Core.Storms;
using Reconciler.Store.Cluster;
using Reconciler.Store.Writing;
using static Reconciler.Store.Sql.DbParameters;

namespace Reconciler.Store.Storms;

/// <summary>A storm as <c>GET /v1/storms</c> shows it; <c>EndedAt</c> null while it lasts.</summary>
public sealed record StormView(
    string StormId, string OperationType, string Kind, int Threshold, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, long Count,
    IReadOnlyList<string> Sources, string Status);

/// <summary>Where a storm holds webhook items: conflicts of its type and kind from <c>From</c> (inclusive) to <c>Until</c> (exclusive; null: still).</summary>
public sealed record StormSpan(string OperationType, string Kind, FeedCursor From, FeedCursor? Until);

/// <summary>
/// The storms table, the guard's checkpoint and the system stream: what the guard resumes from, and one unit of work per
/// step that appends its events to <c>$system</c>, writes the storms it changed and moves its checkpoint (fenced by its lease).
/// </summary>
public sealed class StormStore(NpgsqlDataSource dataSource, ReadSource reads, EventStore store, OperationWriter writer)
{
    public const string CheckpointName = "storm-guard";

    /// <summary>The guard's checkpoint, or null before it first ran.</summary>
    public Task<FeedCursor?> CheckpointAsync(CancellationToken ct) => store.LoadCheckpointAsync(CheckpointName, ct);

    /// <summary>The storms that last, as the core's state (their windows start empty).</summary>
    public async Task<StormState> ResumeAsync(CancellationToken ct)
    {
        const string sql = """
            SELECT storm_id, operation_type, kind, threshold, started_at, count, sources, notified_at, notified_count
            FROM storms WHERE ended_at IS NULL
            """;
        var tracks = ImmutableDictionary.CreateBuilder<(string, string), StormTrack>();
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var storm = new ActiveStorm(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(4), reader.GetInt64(5),
                [.. reader.GetFieldValue<string[]>(6)], reader.GetFieldValue<DateTimeOffset>(7), reader.GetInt64(8));
            tracks[(reader.GetString(1), reader.GetString(2))] = StormTrack.Empty(reader.GetInt32(3)) with { Storm = storm with { Sources = storm.Sources.WithComparer(StringComparer.Ordinal) } };
        }
        return new StormState(tracks.ToImmutable());
    }

    /// <summary>
    /// Saves one step of the guard as one unit of work fenced by its lease: its events on <c>$system</c>, the lasting storms'
    /// rows (new ones start at the cursor of the conflict that raised them, <paramref name="starts"/>), ended ones closed at
    /// <paramref name="checkpoint"/>, and the checkpoint.
    /// </summary>
    public Task SaveAsync(IReadOnlyList<SystemEvent> events, StormState state, IReadOnlyDictionary<string, FeedCursor> starts, FeedCursor checkpoint,
        LeaseFence fence, CancellationToken ct) =>
        writer.WriteAsync<bool>(new WriteScope([], [], Fence: fence, SystemStream: events.Count > 0,
                Alongside: (connection, transaction, token) => SaveRowsAsync(connection, transaction, events, state, starts, checkpoint, token)),
            batch =>
            {
                batch.AppendSystem(events);
                return true;
            }, ct);

    private async Task SaveRowsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<SystemEvent> events, StormState state,
        IReadOnlyDictionary<string, FeedCursor> starts, FeedCursor checkpoint, CancellationToken ct)
    {
        foreach (var e in events.OfType<ConflictStormEnded>())
        {
            await ExecuteAsync(connection, transaction, "UPDATE storms SET ended_at = $2, count = $3, sources = $4, ended_tx = $5, ended_position = $6 WHERE storm_id = $1", ct,
                Text(e.StormId), Time(e.At), Long(e.Count), Texts(e.Sources), Xid8(checkpoint.TransactionId), Long(checkpoint.Position));
        }
        foreach (var ((type, kind), track) in state.Tracks)
        {
            if (track.Storm is not { } storm)
            {
                continue;
            }
            var start = starts.GetValueOrDefault(storm.StormId, checkpoint);
            const string upsert = """
                INSERT INTO storms (storm_id, operation_type, kind, threshold, started_at, count, sources, notified_at, notified_count, started_tx, started_position)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                ON CONFLICT (storm_id) DO UPDATE SET count = excluded.count, sources = excluded.sources, threshold = excluded.threshold,
                    notified_at = excluded.notified_at, notified_count = excluded.notified_count
                """;
            await ExecuteAsync(connection, transaction, upsert, ct, Text(storm.StormId), Text(type), Text(kind), Int(track.Threshold),
                Time(storm.StartedAt), Long(storm.Count), Texts(storm.Sources), Time(storm.NotifiedAt), Long(storm.NotifiedCount),
                Xid8(start.TransactionId), Long(start.Position));
        }
        await store.SaveCheckpointAsync(connection, transaction, CheckpointName, checkpoint, ct);
    }

    /// <summary>Storms, newest first; <paramref name="status"/> <c>active</c> or <c>ended</c> (null: both).</summary>
    public async Task<IReadOnlyList<StormView>> ListAsync(string? status, int limit, CancellationToken ct)
    {
        const string sql = """
            SELECT storm_id, operation_type, kind, threshold, started_at, ended_at, count, sources FROM storms
            WHERE $1::text IS NULL OR ($1 = 'active') = (ended_at IS NULL) ORDER BY started_at DESC, storm_id LIMIT $2
            """;
        await using var command = reads.DataSource.CreateCommand(sql);
        command.Parameters.Add(Text(status));
        command.Parameters.Add(Int(limit));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var storms = new List<StormView>();
        while (await reader.ReadAsync(ct))
        {
            var ended = reader.IsDBNull(5) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(5);
            storms.Add(new StormView(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetFieldValue<DateTimeOffset>(4),
                ended, reader.GetInt64(6), reader.GetFieldValue<string[]>(7), ended is null ? "active" : "ended"));
        }
        return storms;
    }

    /// <summary>The spans of storms that may hold items after <paramref name="after"/>: lasting ones and those that ended later.</summary>
    public async Task<IReadOnlyList<StormSpan>> SpansAfterAsync(FeedCursor after, CancellationToken ct)
    {
        const string sql = """
            SELECT operation_type, kind, started_tx, started_position, ended_tx, ended_position FROM storms
            WHERE ended_tx IS NULL OR (ended_tx, ended_position) > ($1, $2)
            """;
        await using var command = reads.DataSource.CreateCommand(sql);
        command.Parameters.Add(Xid8(after.TransactionId));
        command.Parameters.Add(Long(after.Position));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var spans = new List<StormSpan>();
        while (await reader.ReadAsync(ct))
        {
            spans.Add(new StormSpan(reader.GetString(0), reader.GetString(1), new FeedCursor(reader.GetFieldValue<ulong>(2), reader.GetInt64(3)),
                reader.IsDBNull(4) ? null : new FeedCursor(reader.GetFieldValue<ulong>(4), reader.GetInt64(5))));
        }
        return spans;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct, params NpgsqlParameter[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddRange(parameters);
        await command.ExecuteNonQueryAsync(ct);
    }
}
