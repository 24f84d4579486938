namespace Reconciler.Api.OpenApi;

/// <summary>
/// On a request contract whose reader takes either of several shapes (one signal or a batch; an expectation's
/// facet and state, or outcome): the schema has the properties of all of them and exactly one of their required
/// sets (<see cref="WireSchemas"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class OneOfAttribute(params Type[] shapes) : Attribute
{
    public IReadOnlyList<Type> Shapes { get; } = shapes;
}
