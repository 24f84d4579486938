using System.Collections.Immutable;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Reconciler.Core.Judging;
using Reconciler.Core.Policies;
using Reconciler.Core.State;
using Reconciler.Store;
using Reconciler.Store.Cluster;
using Reconciler.Store.Feed;
using Reconciler.Store.Policies;
using Reconciler.Store.Writing;

namespace Reconciler.IntegrationTests.Store;

/// <summary>
/// The write path over a test class's own database, with a one-facet policy (owner "psp", states s0..s7,
/// nothing else): each signal a source reports becomes exactly one SignalReceived event.
/// </summary>
public sealed class WritePath(TestDatabase db)
{
    public const string Type = "order";

    public static readonly TruthPolicy Policy = new(Type, 300,
        ImmutableDictionary<string, FacetPolicy>.Empty.Add("payment", new FacetPolicy("psp", ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"],
            ImmutableDictionary<string, ImmutableList<string>>.Empty, null, FacetEffect.None)),
        [], []);

    public TestDatabase Database { get; } = db;
    public PolicyStore Policies { get; } = new(db.DataSource);
    public EventStore Store { get; } = new(db.DataSource);
    public OperationWriter Writer { get; } = new(db.DataSource, new PolicyStore(db.DataSource), new FeedNotifier(db.DataSource, NullLogger<FeedNotifier>.Instance), TimeProvider.System);

    public static async Task<WritePath> CreateAsync(PostgresFixture postgres, string name)
    {
        var path = new WritePath(await postgres.CreateDatabaseAsync(name));
        await path.Policies.PutAsync(Policy, "test", CancellationToken.None);
        return path;
    }

    public static Signal Signal(string operationId, string signalId, int state = 0, long? sequence = null) =>
        new(operationId, Type, signalId, "payment", $"s{state}", null, sequence, null, null, null, null);

    /// <summary>
    /// One unit of work judging <paramref name="signals"/> from "psp" in order; <paramref name="during"/> runs after deciding, before the save;
    /// <paramref name="fence"/>: the lease the unit writes under.
    /// </summary>
    public Task<IReadOnlyList<StagedEvents>> SendAsync(IReadOnlyList<Signal> signals, Action<WriteBatch>? during = null, LeaseFence? fence = null) =>
        Writer.WriteAsync(WriteScope.ForSignals("psp", signals.Select(s => (s.OperationId, Type, s.SignalId)), fence), batch =>
        {
            var staged = new List<StagedEvents>();
            foreach (var signal in signals)
            {
                var (events, after) = OperationDecider.Handle(batch.StateOf(signal.OperationId), Policy,
                    new ReceiveSignal(signal, "psp", batch.Now, 1, batch.ReceiptOf("psp", signal.SignalId)?.ContentHash));
                staged.Add(batch.Append(signal.OperationId, Type, events, after, new EventMetadata("psp", signal.SignalId, null, null, null)));
            }
            during?.Invoke(batch);
            return (IReadOnlyList<StagedEvents>)staged;
        }, CancellationToken.None);

    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = Database.DataSource.CreateCommand(sql);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
