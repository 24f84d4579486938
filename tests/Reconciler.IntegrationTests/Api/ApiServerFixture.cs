namespace Reconciler.IntegrationTests.Api;

/// <summary>
/// One database and one running API server per test class (xunit class fixture): starting them per test
/// would cost a second each. Tests of a class share the server, so each uses its own operation ids.
/// <code>
/// [Collection(PostgresCollection.Name)]
/// public sealed class MyApiTests(ApiServerFixture api) : IClassFixture&lt;ApiServerFixture&gt; { … api.Server … }
/// </code>
/// </summary>
public sealed class ApiServerFixture : IAsyncLifetime
{
    private TestDatabase? _database;
    private ApiServer? _server;

    public ApiServer Server => _server ?? throw new InvalidOperationException("The fixture is not initialized.");
    public TestDatabase Database => _database ?? throw new InvalidOperationException("The fixture is not initialized.");

    public async Task InitializeAsync()
    {
        // The PostgreSQL server itself is shared by the whole run (PostgresFixture keeps it in statics).
        var postgres = new PostgresFixture();
        await postgres.InitializeAsync();
        _database = await postgres.CreateDatabaseAsync("api");
        _server = await ApiServer.StartAsync(_database);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
