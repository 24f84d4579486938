using System.Collections.Concurrent;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Reconciler.Core.Policies;
using Reconciler.Store.Rejudging;

namespace Reconciler.Store.Policies;

/// <summary>A stored policy version: the parsed policy and the JSON it was stored as.</summary>
public sealed record PolicyVersion(string OperationType, int Version, TruthPolicy Policy, string Body, DateTimeOffset CreatedAt);

/// <summary>
/// Versioned truth policies. A version never changes once written, so parsed versions are cached forever;
/// which version is newest is asked of the database by the caller that needs it (ingest does so in its transaction).
/// </summary>
public sealed class PolicyStore(NpgsqlDataSource dataSource)
{
    private readonly ConcurrentDictionary<(string, int), PolicyVersion> _versions = new();

    /// <summary>Stores the policy as a new version unless it equals the newest one, and re-judges what the new version names.</summary>
    public Task<(int Version, bool Created)> PutAsync(TruthPolicy policy, string createdBy, CancellationToken ct) => PutAsync(policy, createdBy, true, ct);

    /// <summary>
    /// Stores the policy as a new version unless it equals the newest one. Returns the version and whether it was created.
    /// A new version supersedes a run of re-judging still going for the type and, with <paramref name="rejudge"/>, starts
    /// one of its own in the same transaction (docs/domain.md, "Re-judging after a policy fix").
    /// </summary>
    public async Task<(int Version, bool Created)> PutAsync(TruthPolicy policy, string createdBy, bool rejudge, CancellationToken ct)
    {
        const string lockSql = "SELECT pg_advisory_xact_lock(hashtextextended('policy:' || $1, 0))";
        const string latestSql = "SELECT version, body FROM policies WHERE operation_type = $1 ORDER BY version DESC LIMIT 1";
        const string insertSql = "INSERT INTO policies (operation_type, version, body, created_by) VALUES ($1, $2, $3, $4)";
        var body = PolicyWriter.Write(policy);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, lockSql, ct, policy.OperationType);
        var latest = 0;
        await using (var command = new NpgsqlCommand(latestSql, connection))
        {
            command.Parameters.Add(new() { Value = policy.OperationType });
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                latest = reader.GetInt32(0);
                if (JsonEquals(reader.GetString(1), body))
                {
                    return (latest, false);
                }
            }
        }
        await ExecuteAsync(connection, insertSql, ct, policy.OperationType, latest + 1, new NpgsqlParameter { Value = body, NpgsqlDbType = NpgsqlDbType.Jsonb }, createdBy);
        // A first version has nothing to judge again: no signal of a type without a policy is ever stored.
        await RejudgingStore.StartWithVersionAsync(connection, policy.OperationType, latest + 1, rejudge && latest > 0, createdBy, ct);
        await transaction.CommitAsync(ct);
        return (latest + 1, true);
    }

    /// <summary>A given version, or the newest when <paramref name="version"/> is null; null when there is none.</summary>
    public async Task<PolicyVersion?> GetAsync(string operationType, int? version, CancellationToken ct)
    {
        if (version is { } known && _versions.TryGetValue((operationType, known), out var cached))
        {
            return cached;
        }
        const string sql = """
            SELECT version, body::text, created_at FROM policies
            WHERE operation_type = $1 AND ($2::int IS NULL OR version = $2)
            ORDER BY version DESC LIMIT 1
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new() { Value = operationType });
        command.Parameters.Add(new() { Value = (object?)version ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }
        return Remember(operationType, reader.GetInt32(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2));
    }

    /// <summary>The newest version of every operation type's policy.</summary>
    public async Task<IReadOnlyList<PolicyVersion>> NewestAsync(CancellationToken ct)
    {
        const string sql = """
            SELECT DISTINCT ON (operation_type) operation_type, version, body::text, created_at FROM policies
            ORDER BY operation_type, version DESC
            """;
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var newest = new List<PolicyVersion>();
        while (await reader.ReadAsync(ct))
        {
            var (type, version) = (reader.GetString(0), reader.GetInt32(1));
            newest.Add(_versions.TryGetValue((type, version), out var known) ? known : Remember(type, version, reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }
        return newest;
    }

    /// <summary>A version read before (every version is, before a write uses it), or null.</summary>
    public TruthPolicy? Cached(string operationType, int version) =>
        _versions.TryGetValue((operationType, version), out var cached) ? cached.Policy : null;

    private PolicyVersion Remember(string operationType, int version, string body, DateTimeOffset createdAt) =>
        _versions.GetOrAdd((operationType, version), _ =>
        {
            var read = PolicyReader.Read(body);
            var policy = read.Policy ?? throw new InvalidOperationException(
                $"Stored policy {operationType} v{version} no longer reads: {string.Join("; ", read.Problems.Select(p => $"{p.Path}: {p.Message}"))}");
            return new PolicyVersion(operationType, version, policy, body, createdAt);
        });

    private static bool JsonEquals(string left, string right)
    {
        using var a = JsonDocument.Parse(left);
        using var b = JsonDocument.Parse(right);
        return JsonElement.DeepEquals(a.RootElement, b.RootElement);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct, params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value });
        }
        await command.ExecuteNonQueryAsync(ct);
    }
}
