using Npgsql;

namespace Reconciler.Store.Replicas;

/// <summary>
/// The data source the store's read-side queries use: the primary, unless the request being served was given a
/// <see cref="ReadTarget"/> (by the read routing of the HTTP pipeline, which asks <see cref="ReadReplicas"/>). The target
/// lives in the request's async flow, so background workers, writes and anything not routed always read the primary.
/// </summary>
public sealed class ReadSource(NpgsqlDataSource primary)
{
    private readonly AsyncLocal<ReadTarget?> _current = new();

    public NpgsqlDataSource Primary => primary;

    /// <summary>The target chosen for the current request, if any.</summary>
    public ReadTarget? Target => _current.Value;

    /// <summary>Where a read runs now: the request's replica while it still serves, else the primary.</summary>
    public NpgsqlDataSource DataSource => _current.Value is { } target && target.StillServes() ? target.DataSource : primary;

    /// <summary>Routes this async flow's reads to <paramref name="target"/> (until the flow ends or it is set again).</summary>
    public void Use(ReadTarget? target) => _current.Value = target;

    /// <summary>Code that builds a query over a plain data source (tests, tools) reads the primary only.</summary>
    public static implicit operator ReadSource(NpgsqlDataSource primary) => new(primary);
}
