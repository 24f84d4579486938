using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Reconciler.Store.Projections;

/// <summary>
/// One column of a projection table: its name, its PostgreSQL type and how a row gives its value. The
/// live writer's upsert, the rebuild's binary COPY and <c>projections rebuild --verify</c>'s comparison are
/// all generated from the one list of columns of each table, so the projection's shape is written once
/// (besides the migration that creates the table).
/// </summary>
public sealed class ProjectionColumn<TRow>(string name, NpgsqlDbType type, Func<TRow, object?> value)
{
    public string Name => name;

    /// <summary>The same column of a value that holds the row.</summary>
    public ProjectionColumn<TOuter> Through<TOuter>(Func<TOuter, TRow> row) => new(name, type, outer => value(row(outer)));

    /// <summary>The column as the upsert selects it from its <c>unnest</c> of arrays (u.name).</summary>
    internal string Select => type switch
    {
        // Ragged arrays cannot travel in one array parameter: they go as JSON arrays and are unpacked here.
        NpgsqlDbType.Array | NpgsqlDbType.Text => $"ARRAY(SELECT jsonb_array_elements_text(u.{name}))",
        NpgsqlDbType.Array | NpgsqlDbType.Bigint => $"ARRAY(SELECT jsonb_array_elements_text(u.{name}))::bigint[]",
        _ => "u." + name,
    };

    /// <summary>The SQL type of the array parameter that carries the column in the upsert.</summary>
    internal string ParameterType => type switch
    {
        NpgsqlDbType.Text => "text[]",
        NpgsqlDbType.Integer => "integer[]",
        NpgsqlDbType.Bigint => "bigint[]",
        NpgsqlDbType.TimestampTz => "timestamptz[]",
        NpgsqlDbType.Jsonb or NpgsqlDbType.Array | NpgsqlDbType.Text or NpgsqlDbType.Array | NpgsqlDbType.Bigint => "jsonb[]",
        _ => throw new NotSupportedException($"No array parameter for {type}."),
    };

    internal NpgsqlParameter Parameter(IReadOnlyList<TRow> rows) => type switch
    {
        NpgsqlDbType.Text => Typed<string?>(rows, NpgsqlDbType.Text, v => (string?)v),
        NpgsqlDbType.Integer => Typed(rows, NpgsqlDbType.Integer, v => (int)v!),
        NpgsqlDbType.Bigint => Typed(rows, NpgsqlDbType.Bigint, v => (long)v!),
        NpgsqlDbType.TimestampTz => Typed<DateTime?>(rows, NpgsqlDbType.TimestampTz, v => ((DateTimeOffset?)v)?.UtcDateTime),
        NpgsqlDbType.Jsonb => Typed<string?>(rows, NpgsqlDbType.Jsonb, v => (string?)v),
        _ => Typed<string?>(rows, NpgsqlDbType.Jsonb, v => JsonSerializer.Serialize(v)),
    };

    internal Task WriteAsync(NpgsqlBinaryImporter importer, TRow row, CancellationToken ct) => value(row) switch
    {
        null => importer.WriteNullAsync(ct),
        DateTimeOffset time => importer.WriteAsync(time.UtcDateTime, type, ct),
        var v => importer.WriteAsync(v, type, ct),
    };

    private NpgsqlParameter Typed<T>(IReadOnlyList<TRow> rows, NpgsqlDbType element, Func<object?, T> convert)
    {
        var values = new T[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            values[i] = convert(value(rows[i]));
        }
        return new NpgsqlParameter<T[]> { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | element };
    }
}

/// <summary>A projection table described by its key and columns; see <see cref="ProjectionColumn{TRow}"/>.</summary>
public sealed class ProjectionTable<TRow>(string table, string key, IReadOnlyList<ProjectionColumn<TRow>> columns)
{
    public string Name => table;
    public string Key => key;
    public IReadOnlyList<ProjectionColumn<TRow>> Columns => columns;

    /// <summary>INSERT … ON CONFLICT (key) DO UPDATE of every column, from one array parameter per column.</summary>
    private readonly string _upsert = $"""
        INSERT INTO {table} ({string.Join(", ", columns.Select(c => c.Name))})
        SELECT {string.Join(", ", columns.Select(c => c.Select))}
        FROM unnest({string.Join(", ", columns.Select((c, i) => $"${i + 1}::{c.ParameterType}"))}) AS u({string.Join(", ", columns.Select(c => c.Name))})
        ON CONFLICT ({key}) DO UPDATE SET {string.Join(", ", columns.Where(c => c.Name != key).Select(c => $"{c.Name} = excluded.{c.Name}"))}
        """;

    public NpgsqlBatchCommand Upsert(IReadOnlyList<TRow> rows)
    {
        var command = new NpgsqlBatchCommand(_upsert);
        foreach (var column in columns)
        {
            command.Parameters.Add(column.Parameter(rows));
        }
        return command;
    }
}
