using System.Collections.Concurrent;
using System.Collections.Immutable;
using Npgsql;
using Reconciler.Store.Replicas;
using NpgsqlTypes;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Store.Policies;
using static Reconciler.Store.Sql.DbParameters;

namespace Reconciler.Store.Sources;

/// <summary>A source as <c>GET /v1/sources</c> lists it. <c>SilentAfter</c>: the shortest any newest policy gives it (null: none).</summary>
public sealed record SourceView(
    string Source, DateTimeOffset? LastSignalAt, DateTimeOffset? LastHeartbeatAt, DateTimeOffset? Watermark, string? SilentAfter, string Status);

/// <summary>A period a source said nothing for longer than its <c>silentAfter</c>; <c>To</c> null while it lasts.</summary>
public sealed record SilentPeriod(string Source, DateTimeOffset From, DateTimeOffset? To);

/// <summary>
/// Tracks every source's last signal, heartbeat and watermark in the <c>sources</c> table and hands the core a
/// <see cref="SourceWatch"/>. A signal's time is written after its commit at most once a second per source and server
/// (concurrent requests of one source never queue on its row), so the watch may be a second behind: far below any
/// sensible <c>silentAfter</c>. A gap longer than the source's <c>silentAfter</c> is recorded as a silent period when
/// it speaks again. The watch and the policies' rules are cached for a second.
/// </summary>
public sealed class SourceMonitor(NpgsqlDataSource dataSource, ReadSource reads, PolicyStore policies, TimeProvider clock)
{
    public const string Live = "live";
    public const string Silent = "silent";

    private static readonly TimeSpan WriteEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, long> _lastWritten = new(StringComparer.Ordinal);
    private volatile Cached? _cached;

    private sealed record Cached(DateTimeOffset ReadAt, SourceWatch Watch, ImmutableDictionary<string, SourcePolicy> Rules);

    // Moves the times forward (never back) and, when the source was quiet for longer than its silentAfter, records the gap.
    private const string NoteSql = """
        WITH before AS (
            SELECT greatest(last_signal_at, last_heartbeat_at) AS heard FROM sources WHERE source = $1
        ), gap AS (
            INSERT INTO source_silences (source, started_at, ended_at)
            SELECT $1, heard, $2 FROM before
            WHERE $5::interval IS NOT NULL AND heard IS NOT NULL AND $2 - heard > $5::interval
            ON CONFLICT DO NOTHING
        )
        INSERT INTO sources AS s (source, last_signal_at, last_heartbeat_at, watermark)
        VALUES ($1, CASE WHEN $3 THEN NULL ELSE $2 END, CASE WHEN $3 THEN $2 END, $4)
        ON CONFLICT (source) DO UPDATE SET
            last_signal_at = greatest(s.last_signal_at, excluded.last_signal_at),
            last_heartbeat_at = greatest(s.last_heartbeat_at, excluded.last_heartbeat_at),
            watermark = greatest(s.watermark, excluded.watermark),
            updated_at = now()
        """;

    /// <summary>Notes that <paramref name="source"/> sent signals now (written at most once a second per source).</summary>
    public async Task SignalSeenAsync(string source, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var last = _lastWritten.GetValueOrDefault(source);
        if (now.UtcTicks - last < WriteEvery.Ticks || !_lastWritten.TryUpdate(source, now.UtcTicks, last) && !_lastWritten.TryAdd(source, now.UtcTicks))
        {
            return;
        }
        await NoteAsync(source, now, heartbeat: false, watermark: null, ct);
    }

    /// <summary>Records a heartbeat now, with the source's watermark if it gave one; the cached watch is dropped so the next decision sees it.</summary>
    public async Task HeartbeatAsync(string source, DateTimeOffset? watermark, CancellationToken ct)
    {
        await NoteAsync(source, clock.GetUtcNow(), heartbeat: true, watermark, ct);
        _cached = null;
    }

    /// <summary>The sources' activity as the core takes it (cached for a second).</summary>
    public async Task<SourceWatch> WatchAsync(CancellationToken ct) => (await CurrentAsync(ct)).Watch;

    /// <summary>Every source heard from or named by a newest policy's <c>sources</c>, with its status now.</summary>
    public async Task<IReadOnlyList<SourceView>> ListAsync(CancellationToken ct)
    {
        var rules = await RulesAsync(ct);
        var now = clock.GetUtcNow();
        var views = new List<SourceView>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = reads.DataSource.CreateCommand("SELECT source, last_signal_at, last_heartbeat_at, watermark FROM sources ORDER BY source"))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var (source, signal, heartbeat, watermark) = (reader.GetString(0), TimeAt(reader, 1), TimeAt(reader, 2), TimeAt(reader, 3));
                seen.Add(source);
                var rule = rules.GetValueOrDefault(source);
                views.Add(new SourceView(source, signal, heartbeat, watermark, rule?.SilentAfterText, StatusOf(rule, Latest(signal, heartbeat), now)));
            }
        }
        foreach (var (source, rule) in rules.Where(r => !seen.Contains(r.Key)))
        {
            views.Add(new SourceView(source, null, null, null, rule.SilentAfterText, Silent));
        }
        return [.. views.OrderBy(v => v.Source, StringComparer.Ordinal)];
    }

    /// <summary>Silent periods overlapping [from, to): those recorded, and the ones lasting now (from the source's last word).</summary>
    public async Task<IReadOnlyList<SilentPeriod>> SilencesAsync(DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        const string sql = """
            SELECT source, started_at, ended_at FROM source_silences
            WHERE ($1::timestamptz IS NULL OR ended_at > $1) AND ($2::timestamptz IS NULL OR started_at < $2)
            ORDER BY source, started_at
            """;
        var periods = new List<SilentPeriod>();
        await using (var command = reads.DataSource.CreateCommand(sql))
        {
            command.Parameters.Add(Time(from));
            command.Parameters.Add(Time(to));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                periods.Add(new SilentPeriod(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2)));
            }
        }
        foreach (var source in await ListAsync(ct))
        {
            var since = Latest(source.LastSignalAt, source.LastHeartbeatAt);
            if (source.Status == Silent && since is { } start && (to is null || start < to))
            {
                periods.Add(new SilentPeriod(source.Source, start, null));
            }
        }
        return [.. periods.OrderBy(p => p.Source, StringComparer.Ordinal).ThenBy(p => p.From)];
    }

    private async Task NoteAsync(string source, DateTimeOffset at, bool heartbeat, DateTimeOffset? watermark, CancellationToken ct)
    {
        var rule = (await RulesAsync(ct)).GetValueOrDefault(source);
        await using var command = dataSource.CreateCommand(NoteSql);
        command.Parameters.Add(Text(source));
        command.Parameters.Add(Time(at));
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = heartbeat });
        command.Parameters.Add(Time(watermark));
        command.Parameters.Add(new NpgsqlParameter { Value = rule is null ? DBNull.Value : rule.SilentAfter, NpgsqlDbType = NpgsqlDbType.Interval });
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<ImmutableDictionary<string, SourcePolicy>> RulesAsync(CancellationToken ct) => (await CurrentAsync(ct)).Rules;

    private async Task<Cached> CurrentAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (_cached is { } cached && now - cached.ReadAt < CacheFor)
        {
            return cached;
        }
        var fresh = new Cached(now, await ReadWatchAsync(ct), await ReadRulesAsync(ct));
        _cached = fresh;
        return fresh;
    }

    private async Task<SourceWatch> ReadWatchAsync(CancellationToken ct)
    {
        var sources = ImmutableDictionary.CreateBuilder<string, SourceActivity>(StringComparer.Ordinal);
        await using var command = dataSource.CreateCommand("SELECT source, greatest(last_signal_at, last_heartbeat_at), watermark FROM sources");
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            sources[reader.GetString(0)] = new SourceActivity(TimeAt(reader, 1), TimeAt(reader, 2));
        }
        return new SourceWatch(sources.ToImmutable());
    }

    // The shortest silentAfter any newest policy version gives each source (as PolicyReader read it).
    private async Task<ImmutableDictionary<string, SourcePolicy>> ReadRulesAsync(CancellationToken ct)
    {
        var rules = ImmutableDictionary.CreateBuilder<string, SourcePolicy>(StringComparer.Ordinal);
        foreach (var (source, rule) in (await policies.NewestAsync(ct)).SelectMany(p => p.Policy.Sources))
        {
            if (!rules.TryGetValue(source, out var known) || rule.SilentAfter < known.SilentAfter)
            {
                rules[source] = rule;
            }
        }
        return rules.ToImmutable();
    }

    private static string StatusOf(SourcePolicy? rule, DateTimeOffset? heard, DateTimeOffset now) =>
        rule is not null && (heard is null || now - heard > rule.SilentAfter) ? Silent : Live;

    private static DateTimeOffset? Latest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    private static DateTimeOffset? TimeAt(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
}
