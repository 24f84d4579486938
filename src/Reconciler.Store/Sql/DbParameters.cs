using Npgsql;
using NpgsqlTypes;

namespace Reconciler.Store.Sql;

/// <summary>
/// The typed parameters and batch commands every query of the store builds, written once (a null is SQL NULL of
/// the parameter's type, so <c>$1::text IS NULL</c> filters work). Import with <c>using static</c>.
/// </summary>
public static class DbParameters
{
    public static NpgsqlParameter Text(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    /// <summary>A <c>text[]</c>; null for none.</summary>
    public static NpgsqlParameter Texts(IEnumerable<string>? values) =>
        new() { Value = values switch { null => DBNull.Value, string[] array => array, _ => values.ToArray() }, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    /// <summary>A <c>timestamptz</c>, written as UTC.</summary>
    public static NpgsqlParameter Time(DateTimeOffset? value) =>
        new() { Value = value is { } t ? t.UtcDateTime : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    public static NpgsqlParameter Flag(bool? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean };

    public static NpgsqlParameter<int> Int(int value) => new() { TypedValue = value };

    public static NpgsqlParameter<TimeSpan> Interval(TimeSpan value) => new() { TypedValue = value };

    /// <summary>An <c>integer</c> that may be NULL.</summary>
    public static NpgsqlParameter Int(int? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer };

    public static NpgsqlParameter<long> Long(long value) => new() { TypedValue = value };

    /// <summary>A transaction id (<c>xid8</c>), as feed cursors carry them.</summary>
    public static NpgsqlParameter<ulong> Xid8(ulong value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Xid8 };

    /// <summary>An array of <paramref name="element"/>, as <c>unnest</c> takes many rows in one statement.</summary>
    public static NpgsqlParameter Array<T>(T[] values, NpgsqlDbType element) =>
        new NpgsqlParameter<T[]> { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | element };

    public static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }
}
