namespace Reconciler.Store.Sql;

/// <summary>
/// The feed's safe point as SQL: the oldest transaction that may still write to this database (an <c>xid8</c>). Every
/// transaction below it has ended, so a reader that stops there never passes a row that commits later. It is the current
/// snapshot's oldest running transaction, leaving out those PostgreSQL shows running in another database: transaction
/// ids are shared by the whole cluster, and a long transaction elsewhere would otherwise hold back this database's feed
/// and listings. A running transaction it cannot place (one that just ended, a background process) still counts.
/// </summary>
public static class SafePoint
{
    /// <summary>
    /// An expression; wrap it in a sub-select so that a statement takes it once. On a hot standby the snapshot's running
    /// transactions are not listed (PostgreSQL keeps them as sub-transactions there, and <c>pg_snapshot_xip</c> is empty),
    /// so the safe point is the snapshot's xmin: every transaction the WAL says is running, of every database.
    /// </summary>
    public const string Expression = """
        (SELECT CASE WHEN pg_is_in_recovery() THEN pg_snapshot_xmin(s) ELSE LEAST(pg_snapshot_xmax(s), (
            SELECT min(x) FROM pg_snapshot_xip(s) x
            WHERE NOT EXISTS (
                SELECT 1 FROM pg_stat_activity a
                WHERE a.backend_xid = x::xid AND a.datid <> (SELECT oid FROM pg_database WHERE datname = current_database())))) END
         FROM pg_current_snapshot() s)
        """;

    /// <summary>The safe point and the first transaction not yet begun (the snapshot's xmax), as one row.</summary>
    public const string WithHorizon = $"SELECT {Expression}, pg_snapshot_xmax(pg_current_snapshot())";
}
