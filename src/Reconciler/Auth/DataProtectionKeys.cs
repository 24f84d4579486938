using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Reconciler.Store.Keys;

namespace Reconciler.Auth;

/// <summary>
/// The data-protection key ring in PostgreSQL (<c>data_protection_keys</c>): console sessions outlive a restart,
/// and several servers on one database accept each other's cookies. The framework calls these synchronously and
/// rarely (on start-up of the ring, on a key it does not know, once a day), so plain synchronous commands suffice.
/// The elements arrive here already sealed by <see cref="SealedKeyEncryptor"/>.
/// </summary>
public sealed class DataProtectionKeys(DataProtectionKeyTable table) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements() => [.. table.ReadAll().Select(xml => XElement.Parse(xml))];

    public void StoreElement(XElement element, string friendlyName) => table.Insert(friendlyName, element.ToString(SaveOptions.DisableFormatting));
}
