using Npgsql;
using Reconciler.Store;

namespace Reconciler.IntegrationTests;

[Collection(PostgresCollection.Name)]
public sealed class MigrationTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Given_a_migrated_database_when_migrating_again_then_nothing_is_applied()
    {
        await using var db = await postgres.CreateDatabaseAsync(nameof(MigrationTests), migrate: false);
        var migrator = new Migrator(db.DataSource);

        var first = await migrator.MigrateAsync();
        var second = await migrator.MigrateAsync();

        Assert.Equal(Migrator.EmbeddedScripts().Select(s => s.Name), first);
        Assert.Contains("0001_create_streams_and_events.sql", first);
        Assert.Empty(second);
    }

    [Fact]
    public async Task Given_a_fresh_database_when_two_migrators_run_at_once_then_both_succeed_and_each_file_is_applied_once()
    {
        await using var db = await postgres.CreateDatabaseAsync(nameof(MigrationTests), migrate: false);
        await using var other = StoreDataSource.Create(db.ConnectionString);

        var results = await Task.WhenAll(
            Task.Run(() => new Migrator(db.DataSource).MigrateAsync()),
            Task.Run(() => new Migrator(other).MigrateAsync()));

        var names = Migrator.EmbeddedScripts().Select(s => s.Name).ToList();
        Assert.Equal(names, results.SelectMany(r => r).Order(StringComparer.Ordinal));
        await using var count = db.DataSource.CreateCommand("SELECT count(*) FROM schema_migrations");
        Assert.Equal((long)names.Count, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Given_an_applied_file_when_it_was_edited_then_the_migrator_refuses_naming_the_file()
    {
        await using var db = await postgres.CreateDatabaseAsync(nameof(MigrationTests), migrate: false);
        var migrator = new Migrator(db.DataSource, "custom");
        await migrator.MigrateAsync([new("0001_create_things.sql", "CREATE TABLE things (id bigint PRIMARY KEY);")]);

        var error = await Assert.ThrowsAsync<MigrationChecksumException>(() => migrator.MigrateAsync(
        [
            new("0001_create_things.sql", "CREATE TABLE things (id bigint PRIMARY KEY, name text);"),
            new("0002_create_more.sql", "CREATE TABLE more (id bigint);"),
        ]));

        Assert.Equal("0001_create_things.sql", error.MigrationName);
        Assert.Contains("0001_create_things.sql", error.Message, StringComparison.Ordinal);
        await using var exists = db.DataSource.CreateCommand("SELECT to_regclass('custom.more') IS NULL");
        Assert.Equal(true, await exists.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Given_a_failing_file_when_migrating_then_it_is_not_recorded_and_earlier_files_are()
    {
        await using var db = await postgres.CreateDatabaseAsync(nameof(MigrationTests), migrate: false);
        var migrator = new Migrator(db.DataSource, "failing");

        await Assert.ThrowsAsync<PostgresException>(() => migrator.MigrateAsync(
        [
            new("0001_create_a.sql", "CREATE TABLE a (id bigint);"),
            new("0002_break.sql", "CREATE TABLE b (id bigint); SELECT 1/0;"),
        ]));
        var applied = await migrator.MigrateAsync([new("0001_create_a.sql", "CREATE TABLE a (id bigint);"), new("0002_break.sql", "CREATE TABLE b (id bigint);")]);

        Assert.Equal(["0002_break.sql"], applied);
    }
}
