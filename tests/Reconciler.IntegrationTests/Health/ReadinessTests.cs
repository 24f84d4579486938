using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Reconciler.Health;
using Reconciler.IntegrationTests.Api;

namespace Reconciler.IntegrationTests.Health;

/// <summary>
/// GET /readyz without a key: ready when the database answers, every migration is applied and the feed moves;
/// 503 naming the check and what to do when a migration is missing or an open transaction stalls the feed.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ReadinessTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private ApiServer _server = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync(nameof(ReadinessTests));
        _server = await ApiServer.StartAsync(_db, runDeadlineWorker: false,
            addServices: services => services.Configure<ReadinessOptions>(o => o.FeedStalledAfter = TimeSpan.FromSeconds(1)));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _db.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> ReadyAsync()
    {
        var response = await _server.Anonymous.GetAsync("/readyz");
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task Given_a_migrated_database_when_asked_then_ready_with_each_check_healthy()
    {
        var (status, body) = await ReadyAsync();

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        var checks = body.GetProperty("checks");
        Assert.Equal(["database", "feed", "migrations"], checks.EnumerateObject().Select(c => c.Name).Order());
        Assert.All(checks.EnumerateObject(), c => Assert.Equal("Healthy", c.Value.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Given_a_migration_not_applied_when_asked_then_not_ready_naming_it()
    {
        string checksum;
        await using (var delete = _db.DataSource.CreateCommand("DELETE FROM schema_migrations WHERE name = '0011_create_nodes_and_leases.sql' RETURNING checksum"))
        {
            checksum = (string)(await delete.ExecuteScalarAsync())!;
        }
        try
        {
            var (status, body) = await ReadyAsync();

            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            var migrations = body.GetProperty("checks").GetProperty("migrations");
            Assert.Equal("Unhealthy", migrations.GetProperty("status").GetString());
            Assert.Contains("0011_create_nodes_and_leases.sql", migrations.GetProperty("description").GetString());
            Assert.Contains("reconciler migrate", migrations.GetProperty("description").GetString());
        }
        finally
        {
            await using var restore = _db.DataSource.CreateCommand("INSERT INTO schema_migrations (name, checksum) VALUES ('0011_create_nodes_and_leases.sql', $1)");
            restore.Parameters.Add(new NpgsqlParameter<string> { TypedValue = checksum });
            await restore.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task Given_a_transaction_left_open_when_asked_then_not_ready_until_it_ends()
    {
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_current_xact_id()", connection, transaction))
        {
            await take.ExecuteScalarAsync();
        }
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        var (stalled, body) = await ReadyAsync();
        await transaction.RollbackAsync();
        var (after, _) = await ReadyAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, stalled);
        var feed = body.GetProperty("checks").GetProperty("feed");
        Assert.Equal("Unhealthy", feed.GetProperty("status").GetString());
        Assert.Contains($"backend {connection.ProcessID}", feed.GetProperty("description").GetString());
        Assert.Equal(HttpStatusCode.OK, after);
    }

    [Fact]
    public async Task Given_no_key_when_healthz_is_asked_then_it_stays_the_liveness_view()
    {
        var response = await _server.Anonymous.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }
}
