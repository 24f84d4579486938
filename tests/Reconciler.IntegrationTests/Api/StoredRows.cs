using Npgsql;

namespace Reconciler.IntegrationTests.Api;

/// <summary>How many rows each write leaves behind; equal before and after means a request stored nothing.</summary>
public sealed record StoredRows(long Events, long Receipts, long Operations, long Conflicts, long Policies, long LiveKeys)
{
    public static async Task<StoredRows> CountAsync(NpgsqlDataSource dataSource)
    {
        const string sql = """
            SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM signal_receipts), (SELECT count(*) FROM operations),
                   (SELECT count(*) FROM conflicts), (SELECT count(*) FROM policies), (SELECT count(*) FROM api_keys WHERE revoked_at IS NULL)
            """;
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new StoredRows(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
    }
}
