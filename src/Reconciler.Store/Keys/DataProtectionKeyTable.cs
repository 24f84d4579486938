using Npgsql;
using static Reconciler.Store.Sql.DbParameters;

namespace Reconciler.Store.Keys;

/// <summary>
/// The <c>data_protection_keys</c> table: the console's key ring as XML text, already sealed by the host. Synchronous,
/// because the framework's key repository is (it asks rarely: on start-up of the ring, for a key it does not know, daily).
/// </summary>
public sealed class DataProtectionKeyTable(NpgsqlDataSource dataSource)
{
    public IReadOnlyList<string> ReadAll()
    {
        using var command = dataSource.CreateCommand("SELECT xml FROM data_protection_keys ORDER BY id");
        using var reader = command.ExecuteReader();
        var elements = new List<string>();
        while (reader.Read())
        {
            elements.Add(reader.GetString(0));
        }
        return elements;
    }

    public void Insert(string friendlyName, string xml)
    {
        using var command = dataSource.CreateCommand("INSERT INTO data_protection_keys (friendly_name, xml) VALUES ($1, $2)");
        command.Parameters.Add(Text(friendlyName));
        command.Parameters.Add(Text(xml));
        command.ExecuteNonQuery();
    }
}
